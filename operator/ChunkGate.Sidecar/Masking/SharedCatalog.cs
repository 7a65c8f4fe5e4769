using System.Data;
using ChunkGate.Sidecar.Upstream;
using Npgsql;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// One catalog connection for the whole sidecar (issue 11, hole 11): a connection per client
/// doubled the backends (200 clients made 297) and locked other users out. Catalog reads are
/// short and rare (session start, COPY TO), so they take turns on one connection, opened on
/// first use as the current credential and opened again when the credential changes or it broke.
/// </summary>
internal sealed class SharedCatalog(Func<UpstreamCredential, string> connectionString) : IAsyncDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);
    private NpgsqlConnection? connection;
    private UpstreamCredential? openedAs;

    public async Task<T> UseAsync<T>(UpstreamCredential credential, Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connection is null || connection.State != ConnectionState.Open || openedAs != credential)
            {
                await CloseAsync().ConfigureAwait(false);
                var opening = new NpgsqlConnection(connectionString(credential));
                try
                {
                    await opening.OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await opening.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                (connection, openedAs) = (opening, credential);
            }

            try
            {
                return await read(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException)
            {
                // A read cut short leaves the connection in an unknown state: the next use opens a fresh one.
                await CloseAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task CloseAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            connection = null;
        }
    }

    /// <summary>Closes the connection after the read in progress; idempotent (the semaphore holds no handle, so it is not disposed).</summary>
    public async ValueTask DisposeAsync()
    {
        await turn.WaitAsync().ConfigureAwait(false);
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }
}

/// <summary>One session's access to the <see cref="SharedCatalog"/>, as that session's credential.</summary>
internal sealed class CatalogLease(SharedCatalog catalog, UpstreamCredential credential) : Sessions.IBackendTerminator
{
    /// <summary>On the connection already open: at expiry the role's VALID UNTIL refuses a new login.</summary>
    public Task<bool> TerminateAsync(int processId, CancellationToken cancellationToken) =>
        UseAsync(async (connection, token) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_catalog.pg_terminate_backend(@pid, 2000)", connection);
            command.Parameters.AddWithValue("pid", processId);
            return await command.ExecuteScalarAsync(token).ConfigureAwait(false) is true;
        }, cancellationToken);

    public Task<T> UseAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        catalog.UseAsync(credential, read, cancellationToken);
}
