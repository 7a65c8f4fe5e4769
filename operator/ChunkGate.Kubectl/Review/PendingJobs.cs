using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Cluster;

namespace ChunkGate.Kubectl.Review;

/// <summary>A job the user may approve now, as <c>kubectl chunk pending</c> lists it.</summary>
internal sealed record PendingJob(
    string Namespace,
    string Name,
    string Action,
    string Connection,
    string Designer,
    string SpecHash,
    int Approvals,
    int RequiredApprovals,
    DateTimeOffset? Created);

/// <summary>
/// Which jobs await the user's approval: the admission webhook's rules applied ahead of time, so the
/// list holds nothing it would refuse (own designs, connections whose executor groups exclude the
/// user, a current spec the user already approved, counting only approvals of this job's uid). Pure; the clock is an argument.
/// </summary>
internal static class PendingJobs
{
    public static IReadOnlyList<PendingJob> For(
        CurrentUser user,
        IEnumerable<ChunkJob> jobs,
        Func<string, string, DataConnection?> connectionOf,
        IEnumerable<ChunkApproval> approvals,
        DateTimeOffset now)
    {
        var byJob = approvals.ToLookup(a => (a.Metadata.NamespaceProperty, a.Spec.JobRef?.Name));
        var pending = new List<PendingJob>();
        foreach (var job in jobs)
        {
            var ns = job.Metadata.NamespaceProperty;
            if (job.Metadata.DeletionTimestamp is not null || job.Status?.Phase is not (null or JobPhase.AwaitingApproval))
            {
                continue;
            }

            var designer = JobFacts.Designer(job);
            if (designer is null || string.Equals(designer, user.Username, StringComparison.Ordinal))
            {
                continue;
            }

            var connection = connectionOf(ns, job.Spec.ConnectionRef?.Name ?? "");
            if (connection is null || !user.InAny(connection.Spec.ExecutorGroups))
            {
                continue;
            }

            var hash = JobFacts.SpecHash(job);
            var current = byJob[(ns, job.Metadata.Name)]
                .Where(a => ApprovalState.Of(a, hash, job.Metadata.Uid, now).Standing == ApprovalStanding.Current)
                .ToList();
            if (current.Any(a => string.Equals(a.Spec.Approver, user.Username, StringComparison.Ordinal)))
            {
                continue;
            }

            var approvers = current.Select(a => a.Spec.Approver).Distinct(StringComparer.Ordinal).Count();
            pending.Add(new PendingJob(ns, job.Metadata.Name, job.Spec.Action.ToString().ToLowerInvariant(), connection.Metadata.Name, designer, hash,
                approvers, Math.Max(1, connection.Spec.RequiredApprovals), job.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(created, TimeSpan.Zero) : null));
        }

        return [.. pending.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)];
    }
}
