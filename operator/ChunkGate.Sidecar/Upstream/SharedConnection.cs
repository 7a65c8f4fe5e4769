using System.Data;
using Npgsql;

namespace ChunkGate.Sidecar.Upstream;

/// <summary>
/// One control connection for the whole sidecar, beside the clients' sessions: the catalog
/// reads of masking, and the termination of backends at expiry. One per purpose, not per client
/// (issue 11, hole 11: a catalog connection per client doubled the backends and locked other
/// users out). Uses are short and rare, so they take turns; the connection is opened on first use
/// as the current credential and opened again when the credential changes or it broke.
/// </summary>
internal sealed class SharedConnection(Func<UpstreamCredential, string> connectionString) : IAsyncDisposable
{
    private readonly SemaphoreSlim turn = new(1, 1);
    private NpgsqlConnection? connection;
    private UpstreamCredential? openedAs;

    /// <summary>Opens the connection now if it is not open as this credential (for a use that must not log in later).</summary>
    public Task OpenAsync(UpstreamCredential credential, CancellationToken cancellationToken) =>
        UseAsync(credential, (_, _) => Task.FromResult(true), cancellationToken);

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
