using ChunkGate.Api.Approvals;

namespace ChunkGate.Operator.Decisions;

/// <summary>
/// What the controller knows of one ChunkApproval: the webhook's stamps (from spec, <see cref="JobUid"/> included), the API
/// server's creation time and the operator's own status. <see cref="Ttl"/> is null when the
/// stored ttl does not parse.
/// </summary>
public sealed record ApprovalFacts(
    string Name,
    string Namespace,
    string? Approver,
    IReadOnlyList<string> ApproverGroups,
    string? JobSpecHash,
    TimeSpan? Ttl,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    ApprovalPhase? Phase = null,
    string? ConsumedBy = null,
    bool Deleting = false,
    string? JobUid = null);

/// <summary>
/// The rules an approval is judged by, taken from the job (its stamped designer, its current spec
/// hash, its namespace, its uid) and its DataConnection (executor groups, required approvals, maxTTL).
/// <see cref="ActiveRun"/> names the run in progress, whose own approvals
/// (<see cref="ActiveRunApprovals"/>, recorded in the job's status before they are marked consumed)
/// stay valid for it.
/// </summary>
public sealed record ApprovalPolicy(
    string JobNamespace,
    string JobName,
    string? Designer,
    string CurrentSpecHash,
    IReadOnlyCollection<string> ExecutorGroups,
    int RequiredApprovals,
    TimeSpan MaxTtl,
    string? ActiveRun = null,
    IReadOnlyCollection<string>? ActiveRunApprovals = null,
    string? JobUid = null);
