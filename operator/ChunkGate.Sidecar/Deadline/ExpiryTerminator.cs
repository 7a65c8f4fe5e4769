using ChunkGate.Sidecar.Upstream;
using Npgsql;

namespace ChunkGate.Sidecar.Deadline;

/// <summary>
/// Ends a session's backend at the approval's expiry, from the sidecar's own connection as the
/// same role (a role may terminate its own backends). Termination is the first and only thing
/// done to the backend at expiry: a CancelRequest ends only the statement running, after which
/// the backend goes on with every statement the client pipelined behind it (they sit in its
/// socket buffer), and PL/pgSQL can catch a cancel (<c>EXCEPTION WHEN query_canceled</c>) and
/// write; a closed socket goes unnoticed until the backend next writes. Termination is a FATAL
/// error that no code catches: the open transaction rolls back and nothing more is read.
/// </summary>
internal sealed class ExpiryTerminator(SharedConnection control, ApprovalDeadline deadline) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private int sessions;
    private Task<bool>? everyBackend;

    /// <summary>
    /// Opens the connection while the role can still log in (its VALID UNTIL is the same expiry),
    /// once per sidecar; call before a session's statements are forwarded, and dispose the result
    /// when the session has ended: after expiry the last session to end closes the connection, so
    /// nothing of the run stays logged in past its approval.
    /// </summary>
    public async Task<IAsyncDisposable> PrepareAsync(UpstreamCredential credential, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref sessions);
        var session = new SessionHold(this);
        try
        {
            await control.OpenAsync(credential, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Signals the backend to end now; false when no such backend of this role exists (it ended
    /// already). The first session to ask ends every backend of the role in one statement (every
    /// session of the run shares the expiry, in this sidecar and in the run's other Pods): ended one
    /// by one, each a round trip on one connection, the last of 20+ sessions under load ended 560 ms
    /// late (hostile probe). A session asking after that statement has finished ends its own.
    /// </summary>
    /// <remarks>No wait for the exits (<c>pg_terminate_backend(pid)</c>, not <c>(pid, timeout)</c>).</remarks>
    public Task<bool> TerminateAsync(UpstreamCredential credential, int processId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (everyBackend is null || !everyBackend.IsCompleted)
            {
                return everyBackend ??= TerminateEveryBackendAsync(credential, cancellationToken);
            }
        }

        return control.UseAsync(credential, async (connection, token) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_catalog.pg_terminate_backend(@pid)", connection);
            command.Parameters.AddWithValue("pid", processId);
            return await command.ExecuteScalarAsync(token).ConfigureAwait(false) is true;
        }, cancellationToken);
    }

    private Task<bool> TerminateEveryBackendAsync(UpstreamCredential credential, CancellationToken cancellationToken) =>
        control.UseAsync(credential, async (connection, token) =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(pg_catalog.pg_terminate_backend(pid)) FROM pg_catalog.pg_stat_activity WHERE usename = current_user AND pid <> pg_catalog.pg_backend_pid()",
                connection);
            await command.ExecuteScalarAsync(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public ValueTask DisposeAsync() => control.DisposeAsync();

    private async ValueTask SessionEndedAsync()
    {
        if (Interlocked.Decrement(ref sessions) == 0 && deadline.HasExpired)
        {
            // Closed, not disposed for good: a session racing the expiry opens it again (and its login is refused).
            await control.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class SessionHold(ExpiryTerminator owner) : IAsyncDisposable
    {
        private int disposed;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref disposed, 1) == 0 ? owner.SessionEndedAsync() : ValueTask.CompletedTask;
    }
}
