using ChunkGate.Api.Approvals;
using ChunkGate.Kubectl.Output;

namespace ChunkGate.Kubectl.Review;

internal enum ApprovalStanding
{
    /// <summary>Counts toward the next run of the current spec.</summary>
    Current,
    /// <summary>Of an earlier job of the same name (deleted and created again), or not stamped with a job uid: counts for nothing here.</summary>
    Stale,
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

    /// <summary>
    /// Judged as the controller judges it: only an approval stamped with this job's uid can count, so an
    /// approval of an earlier job of the same name is stale whatever its hash (a deleted job's approvals
    /// are garbage-collected with it; this covers the moments before, and approvals older than that).
    /// </summary>
    public static ApprovalState Of(ChunkApproval approval, string currentSpecHash, string? jobUid, DateTimeOffset now)
    {
        var spec = approval.Spec;
        if (approval.Metadata.DeletionTimestamp is not null)
        {
            return new(ApprovalStanding.Withdrawn, "withdrawn");
        }

        if (string.IsNullOrEmpty(spec.JobUid))
        {
            return new(ApprovalStanding.Stale, "stale: no job uid stamp, so it approves no job");
        }

        if (!string.Equals(spec.JobUid, jobUid, StringComparison.Ordinal))
        {
            return new(ApprovalStanding.Stale, $"stale: approves an earlier ChunkJob of this name (uid {spec.JobUid})");
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
