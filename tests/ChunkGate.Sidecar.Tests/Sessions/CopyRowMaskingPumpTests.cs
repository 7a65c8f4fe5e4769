using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Sessions;

/// <summary>
/// The database-to-client pump masks a COPY's rows straight from the read (the contiguous-rows
/// path): a row masking refuses is never forwarded, whether it comes first or after rows masked
/// in the same read, and the session ends with a clear error.
/// </summary>
internal sealed class CopyRowMaskingPumpTests
{
    [TestCase(0)]
    [TestCase(50)]
    public async Task CopyRowThatCannotBeMasked_IsNeverForwarded(int goodRowsBefore)
    {
        var answer = new List<byte>(RawProtocolClient.Message('H', [0, 0, 1, 0, 0]));
        for (var row = 0; row < goodRowsBefore; row++)
        {
            answer.AddRange(RawProtocolClient.Message('d', Encoding.ASCII.GetBytes($"{row},ok\n")));
        }

        answer.AddRange(RawProtocolClient.Message('d', "9,UNMASKABLE\n"u8.ToArray()));
        answer.AddRange(RawProtocolClient.Message('d', "after,ok\n"u8.ToArray()));
        var upstream = new Pipe();
        var client = new Pipe();
        await upstream.Writer.WriteAsync(answer.ToArray());
        await upstream.Writer.CompleteAsync();
        var pump = new ServerToClientPump(upstream.Reader, client.Writer, 1024 * 1024, new RefusingCopyFilter(), null, null, new SessionSignals(),
            new BufferReservation(new BufferBudget(1024 * 1024, TimeProvider.System), TimeSpan.Zero), SessionAction.Export);

        var outcome = await pump.RunAsync();
        await client.Writer.CompleteAsync();
        var forwarded = Encoding.ASCII.GetString((await client.Reader.ReadAsync()).Buffer.ToArray());

        outcome.Should().Be(PumpOutcome.ProtocolViolation);
        pump.Error.Should().Contain("'d'").And.Contain("could not be masked");
        forwarded.Should().NotContain("UNMASKABLE").And.NotContain("after,ok");
        forwarded.Split("ok\n").Length.Should().Be(goodRowsBefore + 1, "every row before the refused one was masked and sent");
    }

    /// <summary>Masking that accepts every COPY row but one containing UNMASKABLE (as a row that does not match its plan is refused).</summary>
    private sealed class RefusingCopyFilter : IResultFilter
    {
        public bool OnRowDescription(in ReadOnlySequence<byte> message) => false;

        public int WriteDataRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) => -1;

        public int WriteDataRow(ReadOnlySpan<byte> message, IBufferWriter<byte> output) => -1;

        public int WriteErrorOrNotice(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) => -1;

        public int WriteParameterStatus(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) => -1;

        public bool OnCopyOut(in ReadOnlySequence<byte> message) => true;

        public int WriteCopyData(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) => WriteCopyData(message.ToArray(), output);

        public int WriteCopyData(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
        {
            if (message.IndexOf("UNMASKABLE"u8) >= 0)
            {
                return -1;
            }

            output.Write(message);
            return 1;
        }
    }
}
