using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Decisions;

/// <summary>Why a run ends; each is one audit Event reason.</summary>
public enum RunEnd
{
    Succeeded,
    Failed,
    Expired,
    SpecChanged,
    ApprovalWithdrawn,
    JobDeleted,
    JobInvalid,
}

/// <summary>A new run: its approvals are marked consumed by <see cref="Id"/> before any credential is issued.</summary>
public sealed record RunStart(string Id, IReadOnlyList<string> Approvals, IReadOnlyList<string> Approvers, DateTimeOffset ExpiresAt);

/// <summary>An audit record the apply step emits as a Kubernetes Event (and an OTLP log record).</summary>
public sealed record AuditEvent(string Reason, string Message, bool Warning = false);

/// <summary>
/// What must be true after this reconcile. Apply does it in order: start (consume, then issue) →
/// ensure the active run's credential, Secret and Pod → end (revoke, delete) → void approvals →
/// release the finalizer (only once nothing of a run remains) → status → events.
/// </summary>
public sealed record JobPlan(
    JobPhase Phase,
    string Reason,
    string Message,
    ApprovalDecision Approvals,
    RunStart? Start = null,
    RunFacts? Ensure = null,
    (RunFacts Run, RunEnd Why)? End = null,
    IReadOnlyList<string>? Void = null,
    bool ReleaseFinalizer = false,
    DateTimeOffset? RequeueAt = null,
    IReadOnlyList<AuditEvent>? Events = null)
{
    public IReadOnlyList<string> VoidApprovals => Void ?? [];
    public IReadOnlyList<AuditEvent> AuditEvents => Events ?? [];
}
