namespace ChunkGate.Operator.Decisions;

public sealed record JudgedApproval(ApprovalFacts Approval, ApprovalVerdict Verdict, string Message)
{
    public bool Counts => Verdict == ApprovalVerdict.Valid;
}

/// <summary>
/// Every approval with its verdict, the approvals a run would use (<see cref="Chosen"/>, enough
/// distinct executors or none), and when such a run must end: the earliest effective expiry among
/// the chosen, never later than creation + maxTTL.
/// </summary>
public sealed record ApprovalDecision(
    IReadOnlyList<JudgedApproval> Judged,
    IReadOnlyList<ApprovalFacts> Chosen,
    DateTimeOffset? ExpiresAt,
    int Required)
{
    public bool Sufficient => Chosen.Count >= Required && Required > 0;

    /// <summary>Distinct executors whose approvals currently count, in order, for display.</summary>
    public IReadOnlyList<string> Approvers =>
        Judged.Where(j => j.Counts).Select(j => j.Approval.Approver!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
}
