using ChunkGate.Api.Approvals;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Status;

namespace ChunkGate.Operator.Controller.Approvals;

/// <summary>
/// An approval's status from its verdict. Consumed stays consumed and Voided stays voided (both are
/// final); consumption itself is written by the job's apply step, before the credential is issued.
/// </summary>
public static class ApprovalStatusBuilder
{
    public const string AcceptedCondition = "Accepted";

    public static ChunkApprovalStatus Build(ChunkApprovalStatus? previous, long generation, ApprovalVerdict verdict, string message, DateTimeOffset now)
    {
        var phase = previous switch
        {
            { Phase: ApprovalPhase.Voided } => ApprovalPhase.Voided,
            { ConsumedBy: not null } or { Phase: ApprovalPhase.Consumed } => ApprovalPhase.Consumed,
            _ => verdict switch
            {
                ApprovalVerdict.Valid => ApprovalPhase.Active,
                ApprovalVerdict.Expired => ApprovalPhase.Expired,
                ApprovalVerdict.StaleSpec or ApprovalVerdict.OtherJob => ApprovalPhase.Voided,
                _ => (ApprovalPhase?)null,
            },
        };
        var accepted = verdict == ApprovalVerdict.Valid;
        return new ChunkApprovalStatus
        {
            ObservedGeneration = generation,
            Phase = phase,
            ConsumedBy = previous?.ConsumedBy,
            Conditions = Conditions.Set(previous?.Conditions, AcceptedCondition, accepted ? ConditionStatus.True : ConditionStatus.False,
                verdict.ToString(), message, generation, now),
        };
    }
}
