using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runtime;
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

    /// <summary>Whether <paramref name="found"/> is the run's <paramref name="kind"/>, by the cached record or else the live one.</summary>
    public async Task<bool> IsOursAsync(ChunkJob job, RunStatus run, string kind, V1ObjectMeta? found, CancellationToken cancellationToken) =>
        found is not null && (RunObjects.IsOurs(run, kind, found)
            || RunObjects.IsOurs(await LatestAsync(job, run, cancellationToken).ConfigureAwait(false), kind, found));
}
