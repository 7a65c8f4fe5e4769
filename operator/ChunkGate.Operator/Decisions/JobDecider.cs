using ChunkGate.Api.Durations;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;

namespace ChunkGate.Operator.Decisions;

/// <summary>
/// The controller's whole judgement of one ChunkJob, as a pure function of what it observed and the
/// time: which run must exist, which must end and why, what the status says, when to look again.
/// Level-based: the same observation always gives the same plan, whatever event led here.
/// </summary>
public static class JobDecider
{
    public static JobPlan Decide(JobObservation observed, DateTimeOffset now)
    {
        var job = observed.Job;
        var run = observed.ActiveRun;
        var approvals = DecideApprovals(observed, now);

        if (job.Deleting)
        {
            return Ending(run, RunEnd.JobDeleted, approvals, job.PreviousPhase ?? JobPhase.AwaitingApproval, "JobDeleted",
                $"{Describe(job)} is being deleted") with { ReleaseFinalizer = true };
        }

        if (Problems(observed) is { } problem)
        {
            return Ending(run, RunEnd.JobInvalid, approvals, JobPhase.Invalid, "Invalid", problem);
        }

        return run is null ? WithoutRun(observed, approvals, now) : WithRun(observed, run, approvals, now);
    }

    private static JobPlan WithRun(JobObservation observed, RunFacts run, ApprovalDecision approvals, DateTimeOffset now)
    {
        var job = observed.Job;
        if (!string.Equals(run.SpecHash, job.SpecHash, StringComparison.Ordinal))
        {
            var message = $"the spec of {Describe(job)} changed during run {run.Id}: its approvals are void and the run is revoked";
            var ending = Ending(run, RunEnd.SpecChanged, approvals, JobPhase.AwaitingApproval, "SpecChanged", message);
            return ending with
            {
                Void = run.Approvals,
                Events = [.. ending.AuditEvents, new AuditEvent("SpecChangedApprovalsVoided", message, Warning: true)],
            };
        }

        if (now >= run.ExpiresAt)
        {
            return Ending(run, RunEnd.Expired, approvals, JobPhase.Expired, "ApprovalExpired",
                $"the approval of run {run.Id} expired at {run.ExpiresAt:O}");
        }

        if (!approvals.Sufficient)
        {
            var why = approvals.Judged.FirstOrDefault(j => run.Approvals.Contains(j.Approval.Name) && !j.Counts)?.Message
                ?? "an approval of the run was deleted";
            return Ending(run, RunEnd.ApprovalWithdrawn, approvals, JobPhase.AwaitingApproval, "ApprovalWithdrawn",
                $"run {run.Id} is revoked: {why}");
        }

        if (run.Failure is { } failure)
        {
            // The runner said which chunk failed and why (the sidecar's masked message): say it, whatever the Pods' phases are yet.
            var message = failure.Describe(run.Id);
            var ending = Ending(run, RunEnd.Failed, approvals, JobPhase.Failed, "ChunkFailed", message);
            return ending with { Events = [.. ending.AuditEvents, new AuditEvent("ChunkFailed", message, Warning: true)] };
        }

        if (run.Pod == PodState.Lost)
        {
            // Never a second Pod for the shard in the same run: its chunks in flight would run twice,
            // under an approval already used, and the first Pod's session is not in the recording.
            var pods = string.Join(", ", run.LostPods ?? []);
            var message = $"run {run.Id} failed: its Pod {pods} was deleted before it finished; no Pod replaces it under the same approval, and the run's recording may be incomplete (the deleted Pod's session is missing from it); a new approval resumes from the checkpoint";
            var ending = Ending(run, RunEnd.Failed, approvals, JobPhase.Failed, "RunPodDeleted", message);
            return ending with { Events = [.. ending.AuditEvents, new AuditEvent("RunPodDeleted", message, Warning: true)] };
        }

        return run.Pod switch
        {
            PodState.Succeeded => Ending(run, RunEnd.Succeeded, approvals, JobPhase.Succeeded, "RunSucceeded", $"run {run.Id} finished"),
            PodState.Failed => Ending(run, RunEnd.Failed, approvals, JobPhase.Failed, "RunFailed", $"run {run.Id} failed"),
            _ => new JobPlan(JobPhase.Running, "Running", $"run {run.Id} runs until {run.ExpiresAt:O}", approvals,
                Ensure: run, RequeueAt: run.ExpiresAt),
        };
    }

    private static JobPlan WithoutRun(JobObservation observed, ApprovalDecision approvals, DateTimeOffset now)
    {
        var job = observed.Job;
        if (approvals.Sufficient)
        {
            var id = RunIds.Next(job.RunsStarted);
            var start = new RunStart(id, approvals.Chosen.Select(a => a.Name).ToList(), approvals.Chosen.Select(a => a.Approver!).ToList(), approvals.ExpiresAt!.Value);
            var message = $"approved by {string.Join(", ", start.Approvers)}; run {id} starts and ends by {start.ExpiresAt:O}";
            return new JobPlan(JobPhase.Running, "RunStarting", message, approvals, Start: start, RequeueAt: start.ExpiresAt,
                Events: [new AuditEvent("ApprovalAccepted", message)]);
        }

        // A finished run's outcome stays visible until a new run starts.
        var phase = job.PreviousPhase is JobPhase.Succeeded or JobPhase.Failed or JobPhase.Expired ? job.PreviousPhase.Value : JobPhase.AwaitingApproval;
        var counted = approvals.Judged.Count(j => j.Counts);
        var waiting = $"{counted} of {approvals.Required} required approval(s) of the current spec";

        // Look again when a counted approval runs out, so the status never shows a dead approver.
        var nextExpiry = approvals.Judged.Where(j => j.Counts).Select(j => (DateTimeOffset?)j.Approval.ExpiresAt).Min();
        return new JobPlan(phase, phase == JobPhase.AwaitingApproval ? "AwaitingApproval" : phase.ToString(), waiting, approvals,
            RequeueAt: nextExpiry is { } at && at > now ? at : null);
    }

    private static JobPlan Ending(RunFacts? run, RunEnd why, ApprovalDecision approvals, JobPhase phase, string reason, string message)
    {
        var events = run is null
            ? []
            : new List<AuditEvent> { new(EndReason(why), message, Warning: why is not RunEnd.Succeeded) };
        return new JobPlan(phase, reason, message, approvals, End: run is null ? null : (run, why), Events: events);
    }

    private static string EndReason(RunEnd why) => why switch
    {
        RunEnd.Succeeded => "RunSucceeded",
        RunEnd.Failed => "RunFailed",
        RunEnd.Expired => "ApprovalExpired",
        RunEnd.SpecChanged => "RunRevokedSpecChanged",
        RunEnd.ApprovalWithdrawn => "RunRevokedApprovalWithdrawn",
        RunEnd.JobDeleted => "RunRevokedJobDeleted",
        RunEnd.JobInvalid => "RunRevokedJobInvalid",
        _ => throw new ArgumentOutOfRangeException(nameof(why), why, null),
    };

    private static ApprovalDecision DecideApprovals(JobObservation observed, DateTimeOffset now)
    {
        var job = observed.Job;
        var connection = observed.Connection;
        var maxTtl = connection is not null && KubeDuration.TryParse(connection.MaxTTL, out var cap, out _) ? cap : TimeSpan.Zero;
        var policy = new ApprovalPolicy(job.Namespace, job.Name, job.Designer, job.SpecHash,
            connection?.ExecutorGroups ?? [], connection?.RequiredApprovals ?? 1, maxTtl,
            observed.ActiveRun?.Id, observed.ActiveRun?.Approvals, job.Uid);
        return ApprovalDecider.Decide(policy, observed.Approvals, now);
    }

    /// <summary>Rules only the controller can check (the connection may change or vanish after admission).</summary>
    private static string? Problems(JobObservation observed)
    {
        var job = observed.Job;
        if (observed.Connection is not { } connection)
        {
            return $"DataConnection {job.Namespace}/{observed.ConnectionName} does not exist";
        }

        if (!KubeDuration.TryParse(connection.MaxTTL, out _, out var error))
        {
            return $"DataConnection {job.Namespace}/{observed.ConnectionName} has an invalid maxTTL: {error}";
        }

        var result = ChunkJobValidator.ValidateWith(job.Spec, observed.ConnectionName, connection);
        return result.IsValid ? null : result.ErrorSummary;
    }

    private static string Describe(JobFacts job) => $"{job.Namespace}/{job.Name}";
}
