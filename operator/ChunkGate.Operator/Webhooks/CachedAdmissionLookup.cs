using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Controller.Runtime;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// Admission reads served from the controller's informer caches (a review read three objects over
/// the network; under 50 concurrent callers that round trip was most of its latency), falling back
/// to the API server when a cache has not listed yet or does not hold the object (created a moment
/// ago, or outside the watched namespaces). What staleness can and cannot do:
/// a cached job or connection can only be older than the API server's, and everything a ChunkGate
/// run depends on is judged again by the controller from its own cache when it decides (designer,
/// executor groups, current spec hash, maxTTL, the job's uid). Approvals of a watched namespace
/// come from the cache too: one that was just admitted and is not cached yet is held by this
/// replica's <see cref="ApprovalReservations"/> until the cache shows it (the informer's handlers
/// run after its cache is updated), so together they see what a fresh list would. A fresh list of
/// the namespace's approvals by each of 100 concurrent creates (twice: mutating and validating)
/// took 120 ms at the median and most of the API server's CPU.
/// </summary>
internal sealed class CachedAdmissionLookup(ControllerCaches caches, ApiAdmissionLookup api) : IAdmissionLookup
{
    private readonly VersionedCopies<DataConnection> connections = new(caches.Connections);
    private readonly VersionedCopies<ChunkJob> jobs = new(caches.Jobs);

    public Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken) =>
        caches.Connections.HasSynced && connections.Get(ns, name) is { } cached
            ? Task.FromResult<DataConnection?>(cached)
            : api.ConnectionAsync(ns, name, cancellationToken);

    public Task<ChunkJob?> JobAsync(string ns, string name, bool fresh, CancellationToken cancellationToken) =>
        !fresh && caches.Jobs.HasSynced && jobs.Get(ns, name) is { } cached
            ? Task.FromResult<ChunkJob?>(cached)
            : api.JobAsync(ns, name, fresh: true, cancellationToken);

    /// <summary>Judged on the cached jobs without copying them (a connection's update with 10,000 jobs copied them all).</summary>
    public Task<IReadOnlyList<string>> RunningJobsOfConnectionAsync(string ns, string connection, CancellationToken cancellationToken) =>
        caches.Jobs.HasSynced && caches.Jobs.Watches(ns)
            ? Task.FromResult<IReadOnlyList<string>>([.. caches.Jobs.KeysByIndex(ControllerCaches.JobsByConnection, CacheKeys.For(ns, connection), ApiAdmissionLookup.IsRunning)
                .Select(key => CacheKeys.Split(key).Name)])
            : api.RunningJobsOfConnectionAsync(ns, connection, cancellationToken);

    public Task<IReadOnlyList<ChunkApproval>> ApprovalsOfJobAsync(string ns, string job, CancellationToken cancellationToken) =>
        caches.Approvals.HasSynced && caches.Approvals.Watches(ns)
            ? Task.FromResult(caches.Approvals.ByIndex(ControllerCaches.ApprovalsByJob, CacheKeys.For(ns, job)))
            : api.ApprovalsOfJobAsync(ns, job, cancellationToken);
}
