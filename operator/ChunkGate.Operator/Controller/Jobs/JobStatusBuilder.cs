using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Status;

namespace ChunkGate.Operator.Controller.Jobs;

/// <summary>
/// The job's next status from the plan and the run record, as a new object (the cached status is
/// never modified). Conditions keep their transition time unless they flip, so an unchanged
/// situation gives an equal status and no write.
/// </summary>
public static class JobStatusBuilder
{
    /// <param name="report">The run's progress as its Pods' logs tell it; null keeps the previous progress and checkpoint.</param>
    public static ChunkJobStatus Build(ChunkJobStatus? previous, JobFacts job, JobPlan plan, RunStatus? run, int runsStarted, DateTimeOffset now,
        Progress.RunReport? report = null)
    {
        var running = run is { FinishedAt: null };
        var chosen = running
            ? plan.Approvals.Judged.Where(j => run!.Approvals?.Contains(j.Approval.Name) ?? false).Select(j => j.Approval).ToList()
            : plan.Approvals.Chosen.ToList();
        var approvers = chosen.Count > 0 ? chosen.Select(a => a.Approver!).ToList() : [.. plan.Approvals.Approvers];
        var expiresAt = running ? run!.ExpiresAt : plan.Approvals.ExpiresAt;

        var conditions = previous?.Conditions;
        var valid = plan.Phase != JobPhase.Invalid;
        conditions = Conditions.Set(conditions, ConditionTypes.Valid, valid ? ConditionStatus.True : ConditionStatus.False,
            valid ? "Valid" : "Invalid", valid ? "the job's spec and connection are consistent" : plan.Message, job.Generation, now);
        var approved = running || plan.Approvals.Sufficient;
        conditions = Conditions.Set(conditions, ConditionTypes.Approved, approved ? ConditionStatus.True : ConditionStatus.False,
            approved ? "Approved" : "AwaitingApproval",
            approved ? $"approved by {string.Join(", ", approvers.Distinct(StringComparer.Ordinal))}" : $"{plan.Approvals.Judged.Count(j => j.Counts)} of {plan.Approvals.Required} required approval(s) of the current spec",
            job.Generation, now);
        // While the job shows a finished run's outcome, the Running condition keeps saying why it ended (e.g. which chunk failed).
        var ended = !running && plan.Start is null && plan.Phase is JobPhase.Succeeded or JobPhase.Failed or JobPhase.Expired && run?.Message is { } why ? why : null;
        conditions = Conditions.Set(conditions, ConditionTypes.Running, running ? ConditionStatus.True : ConditionStatus.False,
            plan.Reason, ended ?? plan.Message, job.Generation, now);

        return new ChunkJobStatus
        {
            ObservedGeneration = job.Generation,
            Phase = plan.Phase,
            Designer = job.Designer,
            SpecHash = job.SpecHash,
            Approvers = JobStatusDisplay.Approvers(approvers),
            Approval = chosen.Count == 0 && approvers.Count == 0 ? null : new ApprovalSummary
            {
                Approvals = [.. chosen.Select(a => a.Name)],
                Approvers = [.. approvers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                ExpiresAt = expiresAt,
            },
            Run = run,
            RunsStarted = runsStarted == 0 ? null : runsStarted,
            Progress = report?.Progress ?? previous?.Progress,
            Checkpoint = report?.Checkpoint ?? previous?.Checkpoint,
            Conditions = conditions,
            Recordings = previous?.Recordings,
        };
    }
}
