using ChunkGate.Broker.Ledger;
using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// The last step of revoking: large objects unlinked, other objects reassigned to <see cref="RetiredRole"/>, privileges and role
/// dropped, ledger marked, under the grants lock. That lock serialises every issue and revocation
/// (concurrent GRANT/REVOKE on one table fail with "tuple concurrently updated"), so 100 runs
/// expiring together queued one transaction each behind it. Here the roles that arrive while a
/// drop runs go together in the next one: one lock, one transaction, the same statements over a
/// list of roles. A batch that fails is retried role by role, so one role that cannot be dropped
/// fails alone.
/// </summary>
/// <param name="otherDatabase">The admin's access to another database of the server (disposed after use), or null when there is none.</param>
internal sealed class RoleDrops(NpgsqlDataSource admin, Func<string, NpgsqlDataSource>? otherDatabase)
{
    private readonly Lock gate = new();
    private List<Waiter> pending = [];
    private bool draining;

    /// <summary>
    /// Drops the role (its sessions must be ended and its login refused already). Cancelling stops
    /// the wait, not the drop: others may share its transaction, and a finished drop is what a retry wants anyway.
    /// </summary>
    public Task DropAsync(string role, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(role, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (gate)
        {
            pending.Add(waiter);
            lead = !draining;
            draining = true;
        }

        if (lead)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return waiter.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Waiter> batch;
            lock (gate)
            {
                if (pending.Count == 0)
                {
                    draining = false;
                    return;
                }

                batch = pending;
                pending = [];
            }

            try
            {
                await DropTogetherAsync([.. batch.Select(w => w.Role).Distinct(StringComparer.Ordinal)]).ConfigureAwait(false);
                batch.ForEach(w => w.Done.TrySetResult());
            }
#pragma warning disable CA1031 // every waiter gets its own outcome: a batch's failure is retried role by role
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var waiter in batch)
                {
                    try
                    {
                        await DropTogetherAsync([waiter.Role]).ConfigureAwait(false);
                        waiter.Done.TrySetResult();
                    }
                    catch (Exception exception)
                    {
                        waiter.Done.TrySetException(exception);
                    }
                }
            }
            catch (Exception exception)
            {
                batch[0].Done.TrySetException(exception);
            }
#pragma warning restore CA1031
        }
    }

    private async Task DropTogetherAsync(IReadOnlyList<string> roles)
    {
        await using var connection = await admin.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        // The roles' own sessions are gone, so their locks are too; anyone else's lock is waited for briefly.
        await connection.ExecuteAsync("SET LOCAL lock_timeout = '10s'", CancellationToken.None).ConfigureAwait(false);
        await connection.ExecuteAsync(BrokerSchema.LockGrants, CancellationToken.None).ConfigureAwait(false);
        // A role dropped meanwhile (a sweep and the controller revoking it together) is only marked.
        var existing = await ExistingAsync(connection, roles).ConfigureAwait(false);
        if (existing.Count > 0)
        {
            foreach (var database in await OtherDatabasesAsync(connection, existing).ConfigureAwait(false))
            {
                await CleanElsewhereAsync(database, existing).ConfigureAwait(false);
            }

            await connection.ExecuteAllAsync([.. CleanUp(existing), $"DROP ROLE {string.Join(", ", existing.Select(SqlText.Identifier))}"], CancellationToken.None).ConfigureAwait(false);
        }

        await LedgerStore.MarkRevokedAsync(connection, roles, CancellationToken.None).ConfigureAwait(false);
        await using (var unlock = new NpgsqlCommand("DELETE FROM chunkgate.run_locks WHERE role = ANY(@roles)", connection))
        {
            unlock.Parameters.AddWithValue("roles", roles.ToArray());
            await unlock.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The other databases of the server where the roles own something or hold a privilege. PUBLIC
    /// may connect to most databases, so a role can store a large object in one (hostile probe:
    /// in postgres and template1, which every new database copies), and DROP ROLE then failed there forever.
    /// </summary>
    private static async Task<List<string>> OtherDatabasesAsync(NpgsqlConnection connection, IReadOnlyList<string> roles)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT DISTINCT d.datname::text
            FROM pg_catalog.pg_shdepend s
            JOIN pg_catalog.pg_database d ON d.oid = s.dbid
            JOIN pg_catalog.pg_roles r ON r.oid = s.refobjid
            WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND r.rolname = ANY(@roles)
              AND d.datname <> pg_catalog.current_database()
            ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue("roles", roles.ToArray());
        return await NamesAsync(command).ConfigureAwait(false);
    }

    /// <summary>The same clean-up as in the connection's own database, in another one, committed there on its own.</summary>
    private async Task CleanElsewhereAsync(string database, IReadOnlyList<string> roles)
    {
        var who = string.Join(", ", roles);
        if (otherDatabase is null)
        {
            throw new BrokerException($"{who} left objects in database {database}, which this broker cannot reach; drop them there (REASSIGN OWNED, DROP OWNED), then revoke again", retryable: false);
        }

        try
        {
            await using var source = otherDatabase(database);
            await using var connection = await source.OpenConnectionAsync().ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await connection.ExecuteAllAsync(["SET LOCAL lock_timeout = '10s'", .. CleanUp(roles)], CancellationToken.None).ConfigureAwait(false);
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw Connection.DatabaseErrors.Wrap($"cleaning what {who} left in database {database}", exception);
        }
    }

    private static async Task<List<string>> ExistingAsync(NpgsqlConnection connection, IReadOnlyList<string> roles)
    {
        await using var command = new NpgsqlCommand("SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY(@roles)", connection);
        command.Parameters.AddWithValue("roles", roles.ToArray());
        return await NamesAsync(command).ConfigureAwait(false);
    }

    private static async Task<List<string>> NamesAsync(NpgsqlCommand command)
    {
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>What the roles leave in one database, taken from them (the same in every database).</summary>
    private static IEnumerable<string> CleanUp(IReadOnlyList<string> roles)
    {
        var quoted = string.Join(", ", roles.Select(SqlText.Identifier));
        // Large objects need no privilege to create, so any role can store one: never a job's
        // output (that goes through the sidecar or into the scratch schema), so none outlives the run.
        yield return $"SELECT pg_catalog.lo_unlink(m.oid) FROM pg_catalog.pg_largeobject_metadata m JOIN pg_catalog.pg_roles r ON r.oid = m.lomowner WHERE r.rolname IN ({string.Join(", ", roles.Select(SqlText.Literal))})";
        // Never to the admin: a superuser owner would run the job's index expressions, triggers and
        // SECURITY DEFINER functions with its rights (autovacuum's ANALYZE alone runs index expressions).
        yield return $"REASSIGN OWNED BY {quoted} TO {RetiredRole.Quoted}";
        yield return $"DROP OWNED BY {quoted}";
    }

    private sealed record Waiter(string Role, TaskCompletionSource Done);
}
