using System.Text.Json;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Jobs;

/// <summary>
/// ChunkJob: observe (<see cref="JobObserver"/>) → decide (<see cref="JobDecider"/>) → apply
/// (<see cref="RunLifecycle"/>) in the plan's order: record the run in status, consume its
/// approvals, issue; ensure; end (revoke, delete); void; status (only when changed); events;
/// release the finalizer last. Requeued at the plan's next deadline.
/// </summary>
/// <remarks>
/// Progress: while a run is live, its runners' records are read from the job containers' logs
/// (pods/log: the run Pod has no API rights) in every reconcile of the job. A reconcile comes with
/// every change of its Pods (started, ended: the final, whole read) and, while it runs, at most
/// every <see cref="ControllerOptions.ProgressInterval"/> (a bounded requeue, never a poll loop: it
/// stops with the run, and each read is capped in bytes and window). So status.progress lags at most
/// one interval, and the cost is N log reads per interval per live run, nothing for idle jobs.
/// </remarks>
internal sealed class ChunkJobReconciler(ControllerCaches caches, JobObserver observer, RunLifecycle runs, RunLogs logs, LiveRuns live, ControllerClients clients,
    AuditTrail audit, ControllerOptions options, TimeProvider clock) : IReconciler
{
    /// <summary>Holds a deleted job until its run's credential is revoked and its Pod and Secret are gone.</summary>
    public const string Finalizer = "chunkgate.io/revoke-credentials";

    public string Kind => "ChunkJob";

    public async Task<ReconcileResult> ReconcileAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        var job = caches.Jobs.Get(namespaceName, name);
        if (job is null)
        {
            return ReconcileResult.Done;
        }

        var finalizers = job.Metadata.Finalizers ?? [];
        if (job.Metadata.DeletionTimestamp is not null && !finalizers.Contains(Finalizer))
        {
            return ReconcileResult.Done;
        }

        if (job.Metadata.DeletionTimestamp is null && !finalizers.Contains(Finalizer))
        {
            job = await PatchFinalizersAsync(job, [.. finalizers, Finalizer], cancellationToken).ConfigureAwait(false);
        }

        var now = clock.GetUtcNow();
        var observed = observer.Observe(job);
        if (observed.ActiveRun is { Pod: PodState.Lost } && job.Status?.Run is { } lostRun)
        {
            observed = observed with { ActiveRun = await live.ConfirmAsync(job, lostRun, cancellationToken).ConfigureAwait(false) };
        }

        var report = await ReadProgressAsync(job, observed, cancellationToken).ConfigureAwait(false);
        if (report?.Failure is { } failure)
        {
            observed = observed with { ActiveRun = observed.ActiveRun! with { Failure = failure } };
        }

        var plan = JobDecider.Decide(observed, now);
        var connection = caches.Connections.Get(namespaceName, job.Spec.ConnectionRef.Name);
        var run = job.Status?.Run;
        var runsStarted = job.Status?.RunsStarted ?? 0;
        var events = new List<AuditEvent>(plan.AuditEvents);
        var accepting = Task.CompletedTask;

        if (plan.Start is { } start)
        {
            // The run is recorded (optimistically: a stale cache gets 409) before any approval is
            // consumed or any credential exists, so a retry derives the same run and the same role.
            run = RunLifecycle.NewRecord(observed.Job, start, now);
            runsStarted = RunNames.RunNumber(start.Id);
            job = await WriteStatusAsync(job, JobStatusBuilder.Build(job.Status, observed.Job, plan, run, runsStarted, now), cancellationToken).ConfigureAwait(false);
            // The accepting Events are written while the approvals are consumed and the run starts:
            // audit records, not steps the run waits for (awaited once it has started).
            accepting = Task.WhenAll(events.Select(audited => audit.RecordAsync(job, audited, cancellationToken)).ToList());
            events.Clear();
            await runs.ConsumeAsync(namespaceName, start.Approvals, start.Id, cancellationToken).ConfigureAwait(false);
        }

        // Each run object's uid goes into status as it is created (the recorder writes it), so the
        // status this reconcile writes last carries the run record as the recorder left it.
        var recorder = new RunRecorder(clients, job);
        if ((plan.Start is not null || plan.Ensure is not null) && run is { FinishedAt: null } active && connection is not null)
        {
            var approvers = plan.Start?.Approvers ?? [.. plan.Approvals.Chosen.Select(a => a.Approver!)];
            string? refusal;
            try
            {
                refusal = await runs.EnsureAsync(job, active, connection, approvers, recorder, newRun: plan.Start is not null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception notStarted) when (notStarted is not ConflictException && !cancellationToken.IsCancellationRequested)
            {
                // Retried with backoff by the loop (a conflict is only a cache behind, retried at once);
                // said at once where people look, not only in the log.
                await ReportNotStartedAsync(recorder.Job, active.Id!, notStarted.Message, cancellationToken).ConfigureAwait(false);
                throw;
            }

            (job, run) = (recorder.Job, recorder.Job.Status?.Run ?? run);
            if (refusal is null && run is { FinishedAt: null, Message: not null })
            {
                // The recorder clears it with each object it records; here when every object existed already.
                run = ObjectCopies.Deep(run);
                run.Message = null;
            }

            if (refusal is not null)
            {
                // The run can never have its credential or its names (the broker refuses, or an
                // object the operator did not create holds a name and cannot be removed): it is over.
                plan = plan with { Phase = JobPhase.Failed, Reason = "RunFailed", Message = $"run {active.Id} cannot run: {refusal}", RequeueAt = null };
                await runs.EndAsync(job, run, RunEnd.Failed, connection, recorder, cancellationToken).ConfigureAwait(false);
                job = recorder.Job;
                run = Finished(run, RunEnd.Failed, plan.Message, now);
                events.Add(new AuditEvent("RunFailed", plan.Message, Warning: true));
            }
        }

        await accepting.ConfigureAwait(false);
        if (plan.End is { Why: var why } && run is { FinishedAt: null } ending)
        {
            await runs.EndAsync(job, ending, why, connection, recorder, cancellationToken).ConfigureAwait(false);
            job = recorder.Job;
            run = Finished(ending, why, plan.Message, now);
        }

        if (plan.VoidApprovals.Count > 0)
        {
            await runs.VoidAsync(namespaceName, plan.VoidApprovals, cancellationToken).ConfigureAwait(false);
        }

        var status = JobStatusBuilder.Build(job.Status, observed.Job, plan, run, runsStarted, now, report);
        if (!StatusEquality.Same(status, job.Status))
        {
            try
            {
                job = await WriteStatusAsync(job, status, cancellationToken).ConfigureAwait(false);
            }
            catch (ConflictException) when (plan.End is not null)
            {
                // The run was just ended (revoked, Pods deleted) from a cache one status write behind
                // (e.g. the last progress): record the end on the current object, or the next reconcile,
                // finding the Pods gone and their logs with them, would not know why the run ended.
                var fresh = await clients.Jobs.TryGetAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
                if (fresh is null || fresh.Metadata.Generation != job.Metadata.Generation || fresh.Status?.Run?.Id != run?.Id)
                {
                    throw;
                }

                job = await WriteStatusAsync(fresh, JobStatusBuilder.Build(fresh.Status, observed.Job, plan, run, runsStarted, now, report), cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var audited in events)
        {
            await audit.RecordAsync(job, audited, cancellationToken).ConfigureAwait(false);
        }

        if (plan.ReleaseFinalizer)
        {
            // A commit step: once the run is revoked, the finalizer must go even if shutdown has begun.
            await PatchFinalizersAsync(job, [.. (job.Metadata.Finalizers ?? []).Where(f => f != Finalizer)], CancellationToken.None).ConfigureAwait(false);
        }

        return ReconcileResult.At(run is { FinishedAt: null } && plan.Phase == JobPhase.Running
            ? Earliest(plan.RequeueAt, now + options.ProgressInterval)
            : plan.RequeueAt);
    }

    /// <summary>
    /// A run that could not start this time (its key, the admin Secret, the broker…): the reason in
    /// <c>status.run.message</c> and a Warning Event, once per distinct reason (the status keeps the
    /// last one, across restarts). Exception messages here name objects and causes, never a secret.
    /// </summary>
    private async Task ReportNotStartedAsync(ChunkJob job, string runId, string reason, CancellationToken cancellationToken)
    {
        var message = $"run {runId} has not started: {reason}";
        message = message.Length > 2048 ? message[..2047] + "…" : message;
        if (job.Status?.Run is not { FinishedAt: null } run || run.Id != runId || run.Message == message)
        {
            return;
        }

        var next = ObjectCopies.Deep(job);
        next.Status!.Run!.Message = message;
        try
        {
            job = await clients.Jobs.ReplaceStatusAsync(next, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ConflictException or NotFoundException)
        {
            // Said at the next failure, on a fresher job (or the job is gone); the failure itself goes on to the loop.
            return;
        }

        await audit.RecordAsync(job, new AuditEvent("RunNotStarted", message, Warning: true), cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } at && at < b ? at : b;

    /// <summary>The live run's progress from its Pods' logs; null when no run is live or none of its Pods exists yet.</summary>
    private async Task<Progress.RunReport?> ReadProgressAsync(ChunkJob job, JobObservation observed, CancellationToken cancellationToken)
    {
        if (observed.ActiveRun is null || job.Status?.Run is not { Id: not null } run)
        {
            return null;
        }

        var records = await logs.RecordsAsync(job, run, cancellationToken).ConfigureAwait(false);
        var context = new Progress.RunProgressContext(run.Id!, run.SpecHash ?? "", JobObserver.RunPodNames(run).Count, job.Spec.Chunking.ChunkSize);
        return Progress.RunProgressFold.Fold(context, job.Status.Checkpoint, job.Status.Progress, records);
    }

    private static RunStatus Finished(RunStatus run, RunEnd why, string message, DateTimeOffset now)
    {
        var finished = ObjectCopies.Deep(run);
        finished.FinishedAt = now;
        finished.Outcome = why.ToString();
        finished.Message = message.Length > 2048 ? message[..2047] + "…" : message;
        return finished;
    }

    private async Task<ChunkJob> WriteStatusAsync(ChunkJob job, ChunkJobStatus status, CancellationToken cancellationToken)
    {
        job.Status = status;
        return await clients.Jobs.ReplaceStatusAsync(job, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A merge patch carrying the resourceVersion: it fails with 409 instead of overwriting a newer list.</summary>
    private async Task<ChunkJob> PatchFinalizersAsync(ChunkJob job, List<string> finalizers, CancellationToken cancellationToken)
    {
        var patch = JsonSerializer.Serialize(new { metadata = new { finalizers, resourceVersion = job.Metadata.ResourceVersion } });
        return await clients.Jobs.PatchAsync(job.Metadata.NamespaceProperty, job.Metadata.Name, new V1Patch(patch, V1Patch.PatchType.MergePatch),
            ControllerClients.FieldManager, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
