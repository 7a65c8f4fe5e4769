using System.Buffers;
using System.IO.Pipelines;
using ChunkGate.Sidecar.Sessions;

namespace ChunkGate.Sidecar.Tests.Sessions;

internal sealed class PumpStepTests
{
    private static readonly FlushResult Flushed = new(isCanceled: false, isCompleted: false);
    private static readonly ReadResult MoreToRead = new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: false);

    [Test]
    public void AfterFlush_GoesOn_WhenNothingEnded() =>
        PumpStep.AfterFlush(null, Flushed, MoreToRead, expired: false).Should().BeNull();

    [Test]
    public void AfterFlush_StopsWithWhatProcessingDecided_First() =>
        PumpStep.AfterFlush(PumpOutcome.ProtocolViolation, new FlushResult(isCanceled: true, isCompleted: true), MoreToRead, expired: true).Should().Be(PumpOutcome.ProtocolViolation);

    [TestCase(true, false, false, PumpOutcome.Stopped)]
    [TestCase(false, true, false, PumpOutcome.Stopped)]
    [TestCase(true, false, true, PumpOutcome.Expired)]
    public void AfterFlush_Stops_WhenTheFlushEnded(bool canceled, bool completed, bool expired, PumpOutcome expected) =>
        PumpStep.AfterFlush(null, new FlushResult(canceled, completed), MoreToRead, expired).Should().Be(expected);

    [Test]
    public void AfterFlush_Closes_WhenTheReaderIsDone() =>
        PumpStep.AfterFlush(null, Flushed, new ReadResult(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true), expired: false).Should().Be(PumpOutcome.Closed);
}
