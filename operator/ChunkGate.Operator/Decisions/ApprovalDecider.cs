using ChunkGate.Api.Approvals;
using ChunkGate.Api.Durations;

namespace ChunkGate.Operator.Decisions;

/// <summary>
/// Rules 1–3 of design.md as one pure function: which approvals count toward a run of the job's
/// current spec, and until when. Only the admission webhook's stamps are trusted; anything missing
/// counts as not approved. The clock is an argument.
/// </summary>
public static class ApprovalDecider
{
    public static ApprovalDecision Decide(ApprovalPolicy policy, IEnumerable<ApprovalFacts> approvals, DateTimeOffset now)
    {
        var judged = approvals
            .OrderBy(a => a.CreatedAt).ThenBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => Judge(policy, a, now))
            .ToList();

        // A run keeps exactly the approvals it consumed; fresh ones wait for the next run.
        var eligible = judged.Where(j => j.Counts && IsForThisRun(policy, j.Approval)).Select(j => j.Approval);

        // One person counts once: per executor, their approval that lasts longest.
        var perExecutor = eligible
            .GroupBy(a => a.Approver!, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(a => EffectiveExpiry(policy, a)).ThenBy(a => a.Name, StringComparer.Ordinal).First())
            .ToList();

        var required = Math.Max(1, policy.RequiredApprovals);
        var chosen = perExecutor
            .OrderByDescending(a => EffectiveExpiry(policy, a)).ThenBy(a => a.Name, StringComparer.Ordinal)
            .Take(required)
            .ToList();
        if (chosen.Count < required)
        {
            chosen = [];
        }

        judged = judged.Select(j => j.Counts && j.Approval.ConsumedBy is null && policy.ActiveRun is null && !perExecutor.Contains(j.Approval)
            ? j with { Verdict = ApprovalVerdict.SameApprover, Message = $"{j.Approval.Approver} already approved {policy.JobNamespace}/{policy.JobName}; one executor counts once" }
            : j).ToList();

        DateTimeOffset? expiresAt = chosen.Count == 0 ? null : chosen.Min(a => EffectiveExpiry(policy, a));
        return new ApprovalDecision(judged, chosen, expiresAt, required);
    }

    /// <summary>
    /// The earliest of the webhook's expiresAt stamp, creation + ttl and creation + maxTTL, so neither a
    /// forged stamp nor a lowered cap can make an approval outlast what the connection allows now.
    /// </summary>
    public static DateTimeOffset EffectiveExpiry(ApprovalPolicy policy, ApprovalFacts approval)
    {
        var byCap = approval.CreatedAt + policy.MaxTtl;
        var byTtl = approval.Ttl is { } ttl ? approval.CreatedAt + ttl : approval.CreatedAt;
        var stamped = approval.ExpiresAt ?? approval.CreatedAt;
        return Min(Min(byCap, byTtl), stamped);
    }

    private static JudgedApproval Judge(ApprovalPolicy policy, ApprovalFacts a, DateTimeOffset now)
    {
        var job = $"{policy.JobNamespace}/{policy.JobName}";
        (ApprovalVerdict, string) verdict = a switch
        {
            { Deleting: true } => (ApprovalVerdict.Withdrawn, $"approval {a.Name} is being deleted"),
            _ when a.Namespace != policy.JobNamespace =>
                (ApprovalVerdict.OtherNamespace, $"approval {a.Namespace}/{a.Name} is not in the job's namespace {policy.JobNamespace}"),
            { Approver: null or "" } or { ExpiresAt: null } or { JobSpecHash: null or "" } or { JobUid: null or "" } =>
                (ApprovalVerdict.NotStamped, $"approval {a.Name} carries no admission stamp (approver, expiresAt, jobSpecHash, jobUid); it was not admitted by the ChunkGate webhook"),
            // Same name and spec, but not the job that was approved (deleted and created again, perhaps by someone else).
            _ when !string.Equals(a.JobUid, policy.JobUid, StringComparison.Ordinal) =>
                (ApprovalVerdict.OtherJob, $"approval {a.Name} approved an earlier ChunkJob {job} (uid {a.JobUid}), not this one (uid {policy.JobUid})"),
            _ when string.IsNullOrEmpty(policy.Designer) =>
                (ApprovalVerdict.DesignerUnknown, $"{job} has no designer stamp, so no approval of it can be accepted"),
            _ when string.Equals(a.Approver, policy.Designer, StringComparison.Ordinal) =>
                (ApprovalVerdict.ByDesigner, $"{a.Approver} designed {job} and cannot approve it"),
            _ when !a.ApproverGroups.Any(policy.ExecutorGroups.Contains) =>
                (ApprovalVerdict.NotAnExecutor, $"{a.Approver} is not in the connection's executor groups ({string.Join(", ", policy.ExecutorGroups)})"),
            // Voiding is final: a spec changed back to what was approved does not revive the approval.
            { Phase: ApprovalPhase.Voided } => (ApprovalVerdict.StaleSpec, $"approval {a.Name} was voided by a change of {job}'s spec"),
            _ when !string.Equals(a.JobSpecHash, policy.CurrentSpecHash, StringComparison.Ordinal) =>
                (ApprovalVerdict.StaleSpec, $"approval {a.Name} is for spec {a.JobSpecHash}, but {job} is now {policy.CurrentSpecHash}"),
            { Ttl: null } => (ApprovalVerdict.TtlAboveCap, $"approval {a.Name} has no valid ttl"),
            { Ttl: { } ttl } when ttl > policy.MaxTtl || ttl <= TimeSpan.Zero =>
                (ApprovalVerdict.TtlAboveCap, $"approval {a.Name} asks for {KubeDuration.Format(ttl)}, above the connection's maxTTL of {KubeDuration.Format(policy.MaxTtl)}"),
            { Phase: ApprovalPhase.Expired } => (ApprovalVerdict.Expired, $"approval {a.Name} has expired"),
            _ when now >= EffectiveExpiry(policy, a) =>
                (ApprovalVerdict.Expired, $"approval {a.Name} expired at {EffectiveExpiry(policy, a):O}"),
            _ when IsConsumedElsewhere(policy, a) =>
                (ApprovalVerdict.Consumed, $"approval {a.Name} was consumed by run {a.ConsumedBy ?? "(unknown)"}; an approval serves one run"),
            _ => (ApprovalVerdict.Valid, $"{a.Approver} approved {job} until {EffectiveExpiry(policy, a):O}"),
        };
        return new JudgedApproval(a, verdict.Item1, verdict.Item2);
    }

    private static bool IsConsumedElsewhere(ApprovalPolicy policy, ApprovalFacts a) =>
        (a.Phase == ApprovalPhase.Consumed || a.ConsumedBy is not null)
        && (policy.ActiveRun is null || !string.Equals(a.ConsumedBy, policy.ActiveRun, StringComparison.Ordinal));

    // A crash between recording a run and marking its approvals consumed leaves them unmarked but
    // named by the run: they still belong to it (and the next apply marks them), never to a new run.
    private static bool IsForThisRun(ApprovalPolicy policy, ApprovalFacts a) =>
        policy.ActiveRun is null
            ? a.ConsumedBy is null
            : string.Equals(a.ConsumedBy, policy.ActiveRun, StringComparison.Ordinal)
              || (a.ConsumedBy is null && (policy.ActiveRunApprovals?.Contains(a.Name) ?? false));

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
