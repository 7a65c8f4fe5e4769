using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>One run as its Pod and Secret builders need it: the job, the run's record, its names and its connection.</summary>
public sealed record RunRequest(
    string Namespace,
    string JobName,
    string JobUid,
    ChunkJobSpec Spec,
    string RunId,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Approvals,
    string? TraceParent,
    RunNames Names,
    DataConnectionSpec Connection)
{
    /// <summary>Run Pods of this run (the job's parallelism; the spec hash pins it for the run's lifetime).</summary>
    public int Shards => JobParallelism.Of(Spec);
}
