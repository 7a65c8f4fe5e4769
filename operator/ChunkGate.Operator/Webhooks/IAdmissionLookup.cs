using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// What admission reads besides the request. Connections and jobs may come from the operator's
/// informer caches (milliseconds behind the API server), so an answer that would deny is checked
/// again with <c>fresh: true</c>. The one-per-executor rule must also see an approval admitted a
/// moment ago: <see cref="ApprovalReservations"/> holds each admitted create until the approvals'
/// cache shows it. What it returns may be shared by concurrent reviews
/// (<see cref="VersionedCopies{T}"/>): reviews read it and never change it.
/// </summary>
internal interface IAdmissionLookup
{
    Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken);

    Task<ChunkJob?> JobAsync(string ns, string name, bool fresh, CancellationToken cancellationToken);

    /// <summary>The names of the jobs of <paramref name="ns"/> on the connection <paramref name="connection"/> whose phase is Running.</summary>
    Task<IReadOnlyList<string>> RunningJobsOfConnectionAsync(string ns, string connection, CancellationToken cancellationToken);

    /// <summary>The approvals that name the job <paramref name="job"/> of <paramref name="ns"/>.</summary>
    Task<IReadOnlyList<ChunkApproval>> ApprovalsOfJobAsync(string ns, string job, CancellationToken cancellationToken);
}
