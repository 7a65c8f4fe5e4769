using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Review;

namespace ChunkGate.Kubectl.Runs;

/// <summary>Where the awaited run stands: a line for people, whether it is over and how it ended.</summary>
internal sealed record RunProgress(string Line, bool Ended, bool Succeeded, long ChunksDone = 0, long ChunksTotal = 0)
{
    /// <summary>
    /// The run that consumed <paramref name="approvalName"/> (after <c>approve --wait</c>), or run
    /// <paramref name="runId"/> (after <c>revoke --wait</c>). <paramref name="approval"/> is null
    /// when it no longer exists. Pure.
    /// </summary>
    public static RunProgress Of(ChunkJob job, string? approvalName, ChunkApproval? approval, string? runId)
    {
        var status = job.Status;
        var run = status?.Run;
        var ours = run is not null && (runId is not null
            ? run.Id == runId
            : approvalName is not null && (run.Approvals?.Contains(approvalName) ?? false));
        if (ours)
        {
            if (run!.FinishedAt is not null)
            {
                var outcome = run.Outcome ?? "(no outcome)";
                return new RunProgress($"run {run.Id} ended: {outcome}", true, outcome == "Succeeded");
            }

            var progress = status?.Progress;
            var done = progress is null ? "starting" : $"{progress.Summary ?? $"{progress.ChunksDone}/{progress.ChunksTotal}"} chunks, {progress.Rows:N0} rows";
            return new RunProgress($"run {run.Id} running: {done}, until {Times.Format(run.ExpiresAt)}", false, false, progress?.ChunksDone ?? 0, progress?.ChunksTotal ?? 0);
        }

        if (runId is not null)
        {
            return new RunProgress($"run {runId} is no longer the job's run", true, false);
        }

        if (approval is null)
        {
            return new RunProgress($"approval {approvalName} was deleted before a run used it", true, false);
        }

        if (approval.Status?.Phase is ApprovalPhase.Voided or ApprovalPhase.Expired)
        {
            return new RunProgress($"approval {approvalName} is {approval.Status.Phase.ToString()!.ToLowerInvariant()} and no run used it", true, false);
        }

        if (status?.Phase == JobPhase.Invalid)
        {
            return new RunProgress($"the job is invalid: {status.Conditions?.FirstOrDefault(c => c.Type == "Valid")?.Message}", true, false);
        }

        return new RunProgress(status?.Approvers is { Length: > 0 } approvers
            ? $"waiting for a run: approved by {approvers}, {status.Phase}"
            : $"waiting for a run: {status?.Phase?.ToString() ?? "not yet reconciled"}", false, false);
    }
}
