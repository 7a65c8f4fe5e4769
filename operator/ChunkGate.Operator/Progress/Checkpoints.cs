using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Progress;

/// <summary>The checkpoint as the run Pod gets it (CHUNKGATE_DONE_CHUNKS).</summary>
public static class Checkpoints
{
    /// <summary>
    /// The checkpoint's done ranges when it was made for this spec and chunk grid, else empty (a
    /// changed spec or chunk size means other chunks: everything is redone). Re-formatted from the
    /// parsed set, so the runner never gets text the operator did not produce.
    /// </summary>
    public static string DoneForRun(CheckpointStatus? checkpoint, string? runSpecHash, int chunkSize) =>
        checkpoint is { } c && runSpecHash is not null && c.SpecHash == runSpecHash && c.ChunkSize == chunkSize
            && ChunkRanges.TryParse(c.Done, CheckpointStatus.MaxDoneLength, out var done)
            ? done.Format(CheckpointStatus.MaxDoneLength)
            : "";
}
