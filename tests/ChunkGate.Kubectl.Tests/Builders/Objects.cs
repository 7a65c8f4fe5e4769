using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubectl.Tests.Builders;

/// <summary>
/// Objects as the plugin reads them from the API server: serialised and read back, so each job
/// carries the stored spec its hash is computed from.
/// </summary>
internal static class Objects
{
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static ChunkJob Job(string name, string? designer = "alice", JobPhase? phase = JobPhase.AwaitingApproval, string ns = "demo",
        string connection = "demo-db", int chunkSize = 100, Action<ChunkJob>? modify = null)
    {
        var job = new ChunkJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = $"uid-{name}",
                CreationTimestamp = Now.AddMinutes(-10).UtcDateTime,
                Annotations = designer is null ? null : new Dictionary<string, string> { [ChunkGateAnnotations.Designer] = designer },
            },
            Spec = new ChunkJobSpec
            {
                ConnectionRef = new NameReference { Name = connection },
                Action = JobAction.Export,
                Tables = ["public.customers"],
                Chunking = new Chunking { Table = "public.customers", KeyColumn = "id", ChunkSize = chunkSize },
                Query = "SELECT id, name, ssn FROM customers WHERE id >= $1 AND id < $2",
            },
            Status = phase is null ? null : new ChunkJobStatus { Phase = phase },
        };
        modify?.Invoke(job);
        return RoundTrip(job);
    }

    public static DataConnection Connection(string name = "demo-db", string ns = "demo", string[]? executors = null, int required = 1, MaskingRules? masking = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new DataConnectionSpec
        {
            Endpoint = new Endpoint { Host = "db.internal", Database = "demo" },
            AdminSecretRef = new SecretKeysReference { Name = "admin" },
            AllowedActions = [JobAction.Export],
            DesignerGroups = ["chunkgate:designers"],
            ExecutorGroups = [.. executors ?? ["chunkgate:executors"]],
            RequiredApprovals = required,
            Masking = masking,
        },
    };

    public static ChunkApproval Approval(ChunkJob job, string approver, string? name = null, string? specHash = null, DateTimeOffset? expiresAt = null,
        ApprovalPhase? phase = null, string? consumedBy = null, DateTimeOffset? created = null, string? jobUid = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name ?? $"{job.Metadata.Name}-{approver}",
            NamespaceProperty = job.Metadata.NamespaceProperty,
            CreationTimestamp = (created ?? Now.AddMinutes(-5)).UtcDateTime,
        },
        Spec = new ChunkApprovalSpec
        {
            JobRef = new NameReference { Name = job.Metadata.Name },
            Ttl = "10m",
            Reason = "TICKET-1",
            JobSpecHash = specHash ?? Api.Hashing.SpecHash.Of(job),
            Approver = approver,
            ApproverGroups = ["chunkgate:executors"],
            ExpiresAt = expiresAt ?? Now.AddMinutes(5),
            JobUid = jobUid ?? job.Metadata.Uid,
        },
        Status = phase is null && consumedBy is null ? null : new ChunkApprovalStatus { Phase = phase, ConsumedBy = consumedBy },
    };

    private static T RoundTrip<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value!));
}
