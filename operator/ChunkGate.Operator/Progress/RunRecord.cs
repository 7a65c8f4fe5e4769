namespace ChunkGate.Operator.Progress;

/// <summary>What the runner reports in its log (the run contract: one record per line, <c>\x1e</c> then compact JSON).</summary>
public enum RunRecordKind
{
    Plan,
    Chunk,
    Failed,
    Done,
}

/// <summary>One parsed record; the fields a kind does not carry are 0 or null.</summary>
public sealed record RunRecord(
    RunRecordKind Kind,
    string Run,
    int Shard,
    int Shards = 0,
    long ChunksTotal = 0,
    long Index = 0,
    long From = 0,
    long To = 0,
    long Rows = 0,
    long Bytes = 0,
    long Chunks = 0,
    string? SqlState = null,
    string? Message = null);
