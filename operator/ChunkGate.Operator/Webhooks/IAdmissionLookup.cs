using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// What admission reads besides the request. Connections and jobs may come from the operator's
/// informer caches (milliseconds behind the API server), so an answer that would deny is checked
/// again with <c>fresh: true</c>; approvals are always read fresh, since the one-per-executor rule
/// must see an approval stored a moment ago. What it returns may be shared by concurrent reviews
/// (<see cref="VersionedCopies{T}"/>): reviews read it and never change it.
/// </summary>
internal interface IAdmissionLookup
{
    Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken);

    Task<ChunkJob?> JobAsync(string ns, string name, bool fresh, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChunkJob>> JobsAsync(string ns, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChunkApproval>> ApprovalsAsync(string ns, CancellationToken cancellationToken);
}
