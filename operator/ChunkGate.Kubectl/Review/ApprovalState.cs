using ChunkGate.Api.Approvals;
using ChunkGate.Kubectl.Output;

namespace ChunkGate.Kubectl.Review;

internal enum ApprovalStanding
{
    /// <summary>Counts toward the next run of the current spec.</summary>
    Current,
    Consumed,
    /// <summary>For another spec than the job's current one, or voided by a spec change.</summary>
    Void,
    Expired,
    Withdrawn,
}

/// <summary>How an approval stands for its job now, in words a reviewer reads. Pure; the clock is an argument.</summary>
internal sealed record ApprovalState(ApprovalStanding Standing, string Text)
{
    public Tone Tone => Standing switch
    {
        ApprovalStanding.Current => Tone.Good,
        ApprovalStanding.Consumed => Tone.Plain,
        _ => Tone.Dim,
    };

    public static ApprovalState Of(ChunkApproval approval, string currentSpecHash, DateTimeOffset now)
    {
        var spec = approval.Spec;
        if (approval.Metadata.DeletionTimestamp is not null)
        {
            return new(ApprovalStanding.Withdrawn, "withdrawn");
        }

        if (approval.Status?.Phase == ApprovalPhase.Consumed || approval.Status?.ConsumedBy is not null)
        {
            return new(ApprovalStanding.Consumed, $"consumed by run {approval.Status?.ConsumedBy ?? "?"}");
        }

        if (approval.Status?.Phase == ApprovalPhase.Voided || !string.Equals(spec.JobSpecHash, currentSpecHash, StringComparison.Ordinal))
        {
            return new(ApprovalStanding.Void, $"void: approves spec {JobFacts.Short(spec.JobSpecHash)}, not the current one");
        }

        if (approval.Status?.Phase == ApprovalPhase.Expired || spec.ExpiresAt is not { } expires || expires <= now)
        {
            return new(ApprovalStanding.Expired, "expired");
        }

        return new(ApprovalStanding.Current, "current");
    }
}
