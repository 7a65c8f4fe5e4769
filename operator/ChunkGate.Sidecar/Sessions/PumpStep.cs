using System.IO.Pipelines;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>The decision both pumps take after forwarding and flushing one batch: stop (and why) or go on.</summary>
internal static class PumpStep
{
    /// <returns>The outcome to stop with, or null to read the next batch.</returns>
    public static PumpOutcome? AfterFlush(PumpOutcome? processed, FlushResult flush, ReadResult read, bool expired)
    {
        if (processed is { } done)
        {
            return done;
        }

        if (flush.IsCanceled || flush.IsCompleted)
        {
            // The other side went away, or the deadline cancelled the flush.
            return expired ? PumpOutcome.Expired : PumpOutcome.Stopped;
        }

        return read.IsCompleted ? PumpOutcome.Closed : null;
    }
}
