using ChunkGate.Api.Approvals;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;

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

    /// <summary>The run recorded in status and not finished; its Pod's state from the Pod cache.</summary>
    private RunFacts? ActiveRun(ChunkJob job)
    {
        if (job.Status?.Run is not { Id: { } id, FinishedAt: null } run)
        {
            return null;
        }

        // A Pod the operator did not record is not the run's, whatever its labels say: Absent (the
        // ensure step removes it and creates the run's own), never adopted.
        var states = RunPodNames(run)
            .Select(name => caches.Pods.Get(job.Metadata.NamespaceProperty, name))
            .Select(pod => StateOf(RunObjects.IsOurs(run, RunObjects.PodKind, pod?.Metadata) ? pod : null))
            .ToList();
        return new RunFacts(id, run.SpecHash ?? "", run.ExpiresAt ?? DateTimeOffset.MinValue, run.Approvals ?? [], RunPodStates.Combine(states));
    }

    /// <summary>The run's Pods as recorded when it started (a run recorded before parallelism names its one Pod).</summary>
    public static IReadOnlyList<string> RunPodNames(RunStatus run) =>
        run.Pods is { Count: > 0 } pods ? pods : run.Pod is { } pod ? [pod] : [];

    private static PodState StateOf(k8s.Models.V1Pod? pod) => pod?.Status?.Phase switch
    {
        null when pod is null => PodState.Absent,
        "Running" => PodState.Running,
        "Succeeded" => PodState.Succeeded,
        "Failed" => PodState.Failed,
        _ => PodState.Pending,
    };
}
