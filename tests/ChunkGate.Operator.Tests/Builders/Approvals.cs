using ChunkGate.Api.Approvals;
using ChunkGate.Operator.Decisions;

namespace ChunkGate.Operator.Tests.Builders;

/// <summary>Approvals and policies as the admission webhook would have stamped them, for decision tests.</summary>
internal static class Approvals
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    public const string Hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    /// <summary>The uid of the job in <see cref="Observations"/>.</summary>
    public const string JobUid = "uid-1";
    public const string OtherHash = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    public static ApprovalPolicy Policy(int required = 1, string designer = "alice", string? activeRun = null, TimeSpan? maxTtl = null) =>
        new("demo", "export-customers", designer, Hash, ["chunkgate:executors"], required, maxTtl ?? TimeSpan.FromMinutes(15), activeRun, JobUid: JobUid);

    public static ApprovalFacts By(string approver, string? name = null, TimeSpan? ttl = null, DateTimeOffset? createdAt = null) =>
        Stamped(name ?? approver + "-approval", approver, ttl ?? TimeSpan.FromMinutes(10), createdAt ?? T0);

    private static ApprovalFacts Stamped(string name, string approver, TimeSpan ttl, DateTimeOffset createdAt) =>
        new(name, "demo", approver, ["chunkgate:executors"], Hash, ttl, createdAt, createdAt + ttl, JobUid: JobUid);

    public static ApprovalFacts Consumed(this ApprovalFacts approval, string run) =>
        approval with { Phase = ApprovalPhase.Consumed, ConsumedBy = run };
}
