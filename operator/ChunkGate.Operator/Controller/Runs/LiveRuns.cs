using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Jobs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// The run as the job's status records it now, read live. The cache may not show yet the uid an
/// earlier reconcile recorded: the operator's own object must never be judged foreign for that
/// (deleted, or its logs left uncounted). Read only when something under a run's name is not
/// recognised, so a cache in step costs nothing.
/// </summary>
internal sealed class LiveRuns(ControllerClients clients)
{
    public async Task<RunStatus> LatestAsync(ChunkJob job, RunStatus run, CancellationToken cancellationToken)
    {
        var fresh = await clients.Jobs.TryGetAsync(job.Metadata.NamespaceProperty, job.Metadata.Name, cancellationToken).ConfigureAwait(false);
        return fresh?.Status?.Run is { } latest && latest.Id == run.Id ? latest : run;
    }

    /// <summary>The recording the job's live status says the operator kept for <paramref name="runId"/>.</summary>
    public async Task<KeptRecording?> KeptRecordingAsync(ChunkJob job, string runId, CancellationToken cancellationToken) =>
        (await clients.Jobs.TryGetAsync(job.Metadata.NamespaceProperty, job.Metadata.Name, cancellationToken).ConfigureAwait(false))
            ?.Status?.Recordings?.FirstOrDefault(r => r.Run == runId);

    /// <summary>Whether <paramref name="found"/> is the run's <paramref name="kind"/>, by the cached record or else the live one.</summary>
    public async Task<bool> IsOursAsync(ChunkJob job, RunStatus run, string kind, V1ObjectMeta? found, CancellationToken cancellationToken) =>
        found is not null && (RunObjects.IsOurs(run, kind, found)
            || RunObjects.IsOurs(await LatestAsync(job, run, cancellationToken).ConfigureAwait(false), kind, found));

    /// <summary>
    /// A run one of whose Pods looks lost in the caches, judged again on the live status and the live
    /// Pods: either cache may lag (a uid just recorded, a Pod just created), and a run is never
    /// failed for a Pod that is there.
    /// </summary>
    public async Task<RunFacts?> ConfirmAsync(ChunkJob job, RunStatus run, CancellationToken cancellationToken)
    {
        var latest = await LatestAsync(job, run, cancellationToken).ConfigureAwait(false);
        var pods = new Dictionary<string, V1Pod?>(StringComparer.Ordinal);
        foreach (var name in JobObserver.RunPodNames(latest))
        {
            pods[name] = await clients.Kubernetes.CoreV1.ReadNamespacedPodAsync(name, job.Metadata.NamespaceProperty, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
        }

        return JobObserver.RunFactsOf(latest, name => pods[name]);
    }
}
