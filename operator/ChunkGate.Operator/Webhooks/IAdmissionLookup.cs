using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Webhooks;

/// <summary>What admission reads besides the request: read fresh from the API server, never from a cache that may lag a write just made.</summary>
internal interface IAdmissionLookup
{
    Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken);

    Task<ChunkJob?> JobAsync(string ns, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChunkJob>> JobsAsync(string ns, CancellationToken cancellationToken);

    Task<IReadOnlyList<ChunkApproval>> ApprovalsAsync(string ns, CancellationToken cancellationToken);
}
