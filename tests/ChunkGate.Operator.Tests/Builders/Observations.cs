using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Decisions;
using static ChunkGate.Operator.Tests.Builders.Approvals;

namespace ChunkGate.Operator.Tests.Builders;

/// <summary>Observations of the demo job export-customers on connection demo-db, for JobDecider tests.</summary>
internal static class Observations
{
    public static JobObservation Job(Func<JobFacts, JobFacts>? job = null) => new(
        (job ?? (j => j))(new JobFacts("demo", "export-customers", "uid-1", 1, "alice", Hash, Spec())),
        Connection(),
        "demo-db",
        [],
        null);

    public static JobObservation With(this JobObservation observed, params ApprovalFacts[] approvals) =>
        observed with { Approvals = [.. observed.Approvals, .. approvals] };

    public static JobObservation Running(this JobObservation observed, string id = "r1", PodState pod = PodState.Running,
        string? specHash = null, DateTimeOffset? expiresAt = null, params string[] approvals) =>
        observed with
        {
            ActiveRun = new RunFacts(id, specHash ?? Hash, expiresAt ?? T0.AddMinutes(10), approvals.Length == 0 ? ["bob-approval"] : approvals, pod),
            Job = observed.Job with { RunsStarted = int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture), PreviousPhase = JobPhase.Running },
        };

    public static ChunkJobSpec Spec() => new()
    {
        ConnectionRef = new NameReference { Name = "demo-db" },
        Action = JobAction.Export,
        Tables = ["public.customers"],
        Chunking = new Chunking { Table = "public.customers", KeyColumn = "id", ChunkSize = 1000 },
        Query = "SELECT * FROM customers WHERE id >= $1 AND id < $2",
    };

    public static DataConnectionSpec Connection() => new()
    {
        Endpoint = new Endpoint { Host = "127.0.0.1", Database = "demo" },
        AdminSecretRef = new SecretKeysReference { Name = "demo-db-admin" },
        MaxTTL = "15m",
        AllowedActions = [JobAction.Read, JobAction.Export],
        DesignerGroups = ["chunkgate:designers"],
        ExecutorGroups = ["chunkgate:executors"],
        RequiredApprovals = 1,
    };
}
