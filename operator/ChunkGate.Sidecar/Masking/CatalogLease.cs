using ChunkGate.Sidecar.Upstream;
using Npgsql;

namespace ChunkGate.Sidecar.Masking;

/// <summary>One session's access to the catalog connection (<see cref="SharedConnection"/>), as that session's credential.</summary>
internal sealed class CatalogLease(SharedConnection catalog, UpstreamCredential credential)
{
    public Task<T> UseAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        catalog.UseAsync(credential, read, cancellationToken);
}
