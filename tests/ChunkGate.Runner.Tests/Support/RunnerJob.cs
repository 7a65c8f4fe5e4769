using System.Text.Json;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>A job as the operator hands it to the runner: the spec (as API JSON) and the run contract's other variables.</summary>
internal sealed record RunnerJob(string Action, string Table, string Query, int ChunkSize = 10, string Format = "csv", string KeyColumn = "id")
{
    public string Run { get; init; } = "r1";

    public int Shard { get; init; }

    public int Shards { get; init; } = 1;

    public string? DoneChunks { get; init; }

    public string Output { get; init; } = "stdout";

    public DateTimeOffset ExpiresAt { get; init; } = DateTimeOffset.UtcNow.AddHours(1);

    public string? TraceParent { get; init; }

    public string SpecJson => JsonSerializer.Serialize(new
    {
        connectionRef = new { name = "db" },
        action = Action,
        tables = new[] { Table },
        chunking = new { table = Table, keyColumn = KeyColumn, chunkSize = ChunkSize },
        query = Query,
        output = new { format = Format },
    });

    /// <summary>The job container's environment in a run Pod whose sidecar listens on <paramref name="port"/>.</summary>
    public Dictionary<string, string> Environment(int port, string database)
    {
        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGDATABASE"] = database,
            ["PGUSER"] = "chunkgate",
            ["PGSSLMODE"] = "disable",
            ["CHUNKGATE_JOB"] = "tests/job",
            ["CHUNKGATE_RUN"] = Run,
            ["CHUNKGATE_EXPIRES_AT"] = ExpiresAt.ToString("O"),
            ["CHUNKGATE_JOB_SPEC"] = SpecJson,
            ["CHUNKGATE_SHARD"] = Shard.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CHUNKGATE_SHARDS"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CHUNKGATE_DONE_CHUNKS"] = DoneChunks ?? "",
            ["CHUNKGATE_OUTPUT"] = Output,
        };
        if (TraceParent is not null)
        {
            environment["TRACEPARENT"] = TraceParent;
        }

        return environment;
    }
}
