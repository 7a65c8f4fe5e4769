using System.Diagnostics;
using ChunkGate.Api.Jobs;
using ChunkGate.Runner.Database;

namespace ChunkGate.Runner.Configuration;

/// <summary>Everything the run contract's environment tells the runner, checked.</summary>
internal sealed record RunnerSettings(
    string Namespace,
    string JobName,
    string Run,
    DateTimeOffset ExpiresAt,
    ChunkJobSpec Spec,
    int Shard,
    int Shards,
    DoneChunks Done,
    OutputTarget Output,
    DatabaseEndpoint Database,
    ActivityContext TraceParent,
    QueryTemplate? CopyTemplate)
{
    public OutputFormat Format => Spec.Output?.Format ?? OutputFormat.Csv;

    /// <summary>read and export stream rows to the output; write and transform only change data.</summary>
    public bool ProducesRows => Spec.Action is JobAction.Read or JobAction.Export;

    /// <summary>The output file's name: <c>&lt;job&gt;-&lt;run&gt;-&lt;shard&gt;.&lt;csv|jsonl&gt;</c>.</summary>
    public string OutputFileName => $"{JobName}-{Run}-{Shard}.{(Format == OutputFormat.JsonLines ? "jsonl" : "csv")}";
}

/// <summary>Rows go to standard output (between the records) or to a file in <see cref="Directory"/>.</summary>
internal sealed record OutputTarget(string? Directory)
{
    public static OutputTarget StandardOutput { get; } = new((string?)null);

    public bool IsStandardOutput => Directory is null;
}

/// <summary>The sidecar as libpq's variables name it (no password in a run Pod: the sidecar authenticates upstream).</summary>
internal sealed record DatabaseEndpoint(string Host, int Port, string Database, string User, string SslMode, string? Password);
