using ChunkGate.Api.Approvals;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Jobs;

/// <summary>
/// Gathers everything one decision about a job needs from the caches into a <see cref="JobObservation"/>:
/// the job (its designer only from the webhook's annotation), its connection, the approvals that
/// name it in its namespace, and its active run with the run Pod's state.
/// </summary>
internal sealed class JobObserver(ControllerCaches caches)
{
    public JobObservation Observe(ChunkJob job)
    {
        var meta = job.Metadata;
        var status = job.Status;
        var connectionName = job.Spec.ConnectionRef.Name;
        var facts = new JobFacts(
            meta.NamespaceProperty,
            meta.Name,
            meta.Uid,
            meta.Generation ?? 0,
            meta.Annotations is { } annotations && annotations.TryGetValue(AdmissionAnnotations.Designer, out var designer) && designer.Length > 0 ? designer : null,
            SpecHash.Of(job),
            job.Spec,
            status?.Phase,
            status?.RunsStarted ?? 0,
            meta.DeletionTimestamp is not null);
        var approvals = caches.Approvals.ByIndex(ControllerCaches.ApprovalsByJob, CacheKeys.For(meta.NamespaceProperty, meta.Name))
            .Select(Facts)
            .ToList();
        return new JobObservation(facts, caches.Connections.Get(meta.NamespaceProperty, connectionName)?.Spec, connectionName, approvals, ActiveRun(job));
    }

    public static ApprovalFacts Facts(ChunkApproval approval)
    {
        var spec = approval.Spec;
        return new ApprovalFacts(
            approval.Metadata.Name,
            approval.Metadata.NamespaceProperty,
            spec.Approver,
            spec.ApproverGroups ?? [],
            spec.JobSpecHash,
            KubeDuration.TryParse(spec.Ttl, out var ttl, out _) ? ttl : null,
            approval.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : DateTimeOffset.MinValue,
            spec.ExpiresAt,
            approval.Status?.Phase,
            approval.Status?.ConsumedBy,
            approval.Metadata.DeletionTimestamp is not null,
            spec.JobUid);
    }

    /// <summary>The run recorded in status and not finished; its Pods' states from the Pod cache.</summary>
    private RunFacts? ActiveRun(ChunkJob job) =>
        job.Status?.Run is { } run ? RunFactsOf(run, name => caches.Pods.Get(job.Metadata.NamespaceProperty, name)) : null;

    /// <summary>
    /// A live run's facts with its Pods as <paramref name="pods"/> shows them (the cache, or live reads
    /// to confirm a Pod lost: the cache may not show yet a Pod just created). A Pod the operator did
    /// not record is not the run's, whatever its labels say: Absent (the ensure step removes it and
    /// creates the run's own), never adopted.
    /// </summary>
    public static RunFacts? RunFactsOf(RunStatus run, Func<string, V1Pod?> pods)
    {
        if (run is not { Id: { } id, FinishedAt: null })
        {
            return null;
        }

        var states = RunPodNames(run).Select(name => (Name: name, State: RunObjects.PodStateOf(run, name, pods(name)))).ToList();
        var lost = states.Where(s => s.State == PodState.Lost).Select(s => s.Name).ToList();
        return new RunFacts(id, run.SpecHash ?? "", run.ExpiresAt ?? DateTimeOffset.MinValue, run.Approvals ?? [], RunPodStates.Combine([.. states.Select(s => s.State)]),
            LostPods: lost.Count > 0 ? lost : null);
    }

    /// <summary>The run's Pods as recorded when it started (a run recorded before parallelism names its one Pod).</summary>
    public static IReadOnlyList<string> RunPodNames(RunStatus run) =>
        run.Pods is { Count: > 0 } pods ? pods : run.Pod is { } pod ? [pod] : [];
}
