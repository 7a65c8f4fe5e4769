using System.Diagnostics;
using ChunkGate.Broker.Connection;
using ChunkGate.Broker.Ledger;
using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// Issues and revokes the short-lived roles of approved runs over one DataConnection's admin
/// connection, and keeps every role it ever created in the ledger so that a sweep revokes it
/// eventually. The password exists only in the returned <see cref="IssuedCredential"/>.
/// </summary>
/// <param name="otherDatabase">
/// Makes the admin's access to another database of the same server (the broker disposes of it after
/// use). A run's role may leave objects in any database PUBLIC may connect to, and revocation cleans
/// them up there; without this, revoking such a role fails with a message naming the database.
/// </param>
public sealed class CredentialBroker(NpgsqlDataSource admin, TimeProvider time, Func<string, NpgsqlDataSource>? otherDatabase = null)
{
    private readonly RoleDrops drops = new(admin, otherDatabase);

    /// <summary>Tests (the crash probe) stop the process at these points: "before-commit", "committed".</summary>
    internal Func<string, Task>? Checkpoint { get; init; }

    private int installed;
    private readonly SemaphoreSlim installing = new(1, 1);

    /// <summary>How long a revocation waits for its role's signalled sessions to exit before it fails (to be retried).</summary>
    private static readonly TimeSpan SessionPatience = TimeSpan.FromSeconds(60);

    public async Task<IssuedCredential> IssueAsync(CredentialRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tables = request.ParsedTables();
        ListedTableGuard.CheckNames(tables);
        if (request.ExpiresAt <= time.GetUtcNow())
        {
            throw new BrokerException($"the approval for {request.Namespace}/{request.Name} run {request.Run} expired at {request.ExpiresAt:O}", retryable: false);
        }

        var role = request.RoleName;
        var password = Passwords.New();

        // The verifier's key derivation is the issue's one real CPU cost: done before any lock.
        var attributes = $"LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT {request.ConnectionLimit} " +
            $"VALID UNTIL {SqlText.Timestamp(request.ExpiresAt)} PASSWORD {SqlText.Literal(Passwords.ScramVerifier(password))}";
        try
        {
            await EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Two issues of one run (a retry racing the first) queue on the run's own lock; issues
            // of different runs do not wait for each other until their grants.
            var (recorded, revoked, exists) = await LockRunAndFindAsync(connection, role, cancellationToken).ConfigureAwait(false);
            if (revoked)
            {
                throw new BrokerException($"the credential of {request.Namespace}/{request.Name} run {request.Run} was revoked; a new run gets a new one", retryable: false);
            }

            if (exists && !recorded)
            {
                throw new BrokerException($"role {role} exists but is not in ChunkGate's ledger; it is left alone", retryable: false);
            }

            // One round trip: the ledger row first, in the same transaction, so the role can never
            // commit unrecorded (a retry after a crash: the first password never reached anyone, so
            // ALTER sets a new one); the role; then the grants lock, held to commit, and under it what
            // the grants are built from: the listed tables' checks, their columns and masking rules
            // (a rule change waits for this commit, or these reads see it). Only the grants' round
            // trip and the commit follow under the lock, which every change of privileges queues on.
            var access = await RecordCreateAndReadAsync(
                connection,
                [LedgerStore.RecordCommand(request), new NpgsqlBatchCommand($"{(exists ? "ALTER" : "CREATE")} ROLE {SqlText.Identifier(role)} WITH {attributes}")],
                tables,
                cancellationToken).ConfigureAwait(false);
            var revokes = exists ? GrantPlan.Revokes(role, tables, access.Where(table => table.IsMasked).Select(table => table.Table).ToHashSet()) : [];
            await connection.ExecuteAllAsync(revokes.Concat(GrantPlan.Grants(role, request.Action, access)), cancellationToken).ConfigureAwait(false);

            await CheckpointAsync("before-commit").ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await CheckpointAsync("committed").ConfigureAwait(false);
            return new IssuedCredential(role, password, request.ExpiresAt, Created: !exists);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap($"issuing {role}", exception);
        }
    }

    /// <summary>
    /// NOLOGIN first (no new session), then every session of the role terminated and its prepared
    /// transactions rolled back, then its objects reassigned to the powerless <see cref="RetiredRole"/>
    /// (a transform's output stays), its privileges dropped and the role
    /// dropped. Safe to repeat: a role that is already gone is reported with <c>Existed = false</c>.
    /// </summary>
    public async Task<Revocation> RevokeAsync(string role, CancellationToken cancellationToken = default)
    {
        if (!role.StartsWith(RoleNames.Prefix, StringComparison.Ordinal))
        {
            throw new BrokerException($"'{role}' is not a ChunkGate role", retryable: false);
        }

        try
        {
            await EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
            int terminated;
            // This connection goes back to the pool before the drop: the drop needs one, and many revocations wait for it at once.
            await using (var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                var (_, _, exists) = await LedgerStore.FindAsync(connection, role, cancellationToken).ConfigureAwait(false);
                if (!exists)
                {
                    await LedgerStore.MarkRevokedAsync(connection, role, cancellationToken).ConfigureAwait(false);
                    return new Revocation(role, Existed: false, SessionsTerminated: 0);
                }

                await connection.ExecuteAsync($"ALTER ROLE {SqlText.Identifier(role)} NOLOGIN", cancellationToken).ConfigureAwait(false);
                terminated = await TerminateSessionsAsync(connection, role, cancellationToken).ConfigureAwait(false);
                await RollBackPreparedTransactionsAsync(connection, role, cancellationToken).ConfigureAwait(false);
            }

            await drops.DropAsync(role, cancellationToken).ConfigureAwait(false);
            return new Revocation(role, Existed: true, terminated);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap($"revoking {role}", exception);
        }
    }

    /// <summary>
    /// Revokes every recorded role whose run is over (expired, or <paramref name="isRunLive"/> says
    /// no) and reports roles with the ChunkGate prefix the ledger does not know, without touching them.
    /// </summary>
    public async Task<SweepReport> SweepAsync(Func<LedgerEntry, bool> isRunLive, CancellationToken cancellationToken = default)
    {
        SweepPlan plan;
        try
        {
            await EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var ledger = await LedgerStore.ReadAsync(connection, liveOnly: false, cancellationToken).ConfigureAwait(false);
            var roles = await LedgerStore.PrefixedRolesAsync(connection, cancellationToken).ConfigureAwait(false);
            plan = SweepDecider.Decide(ledger, roles, isRunLive, time.GetUtcNow());
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap("sweeping", exception);
        }

        var revoked = new List<Revocation>();
        var failed = new List<BrokerException>();
        foreach (var entry in plan.Revoke)
        {
            try
            {
                revoked.Add(await RevokeAsync(entry.Role, cancellationToken).ConfigureAwait(false));
            }
            catch (BrokerException exception)
            {
                failed.Add(exception);
            }
        }

        return new SweepReport(revoked, failed, plan.Unknown);
    }

    /// <summary>The ledger as it stands (for the controller's status and for tests).</summary>
    public async Task<IReadOnlyList<LedgerEntry>> LedgerAsync(CancellationToken cancellationToken = default)
    {
        await EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await LedgerStore.ReadAsync(connection, liveOnly: false, cancellationToken).ConfigureAwait(false);
    }

    internal async Task EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref installed) == 1)
        {
            return;
        }

        // One install per broker: the first calls of a burst would otherwise all install at once.
        await installing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref installed) == 0)
            {
                await BrokerInstaller.InstallAsync(admin, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref installed, 1);
            }
        }
        finally
        {
            installing.Release();
        }
    }

    /// <summary>
    /// Signals every session of the role to terminate and looks again, soon and then less often,
    /// until none is left: one that was still authenticating when NOLOGIN landed shows up late, and a
    /// signalled one may take a moment to exit. pg_terminate_backend's own wait polls every 100 ms,
    /// which alone made a revocation take 100 ms more than its work. Returns the sessions signalled.
    /// </summary>
    private static async Task<int> TerminateSessionsAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        var signalled = new HashSet<int>();
        var patience = Stopwatch.StartNew();
        for (var pause = TimeSpan.FromMilliseconds(1); ; pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks)))
        {
            var left = 0;
            await using (var command = new NpgsqlCommand(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = @role AND pid <> pg_backend_pid()", connection))
            {
                command.Parameters.AddWithValue("role", role);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    left++;
                    if (reader.GetBoolean(1))
                    {
                        signalled.Add(reader.GetInt32(0));
                    }
                }
            }

            if (left == 0)
            {
                return signalled.Count;
            }

            if (patience.Elapsed > SessionPatience)
            {
                throw new BrokerException($"{left} session(s) of {role} did not end within {SessionPatience.TotalSeconds:0} s of pg_terminate_backend", retryable: true);
            }

            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A prepared transaction outlives its session and its role: it keeps its locks (blocking
    /// masking changes) and, for a transform, could commit objects after revocation. Rolled back here,
    /// with any other role's prepared transaction that holds a lock on this role: one that granted it
    /// something held its DROP ROLE for as long as it stayed prepared (hostile probe). One in another
    /// database (the admin connection cannot reach it) fails the revocation loudly.
    /// </summary>
    private static async Task RollBackPreparedTransactionsAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        var here = new List<string>();
        var elsewhere = new List<string>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT p.gid, p.database = pg_catalog.current_database()
            FROM pg_catalog.pg_prepared_xacts p
            WHERE p.owner = @role
               OR EXISTS (SELECT FROM pg_catalog.pg_locks l
                          JOIN pg_catalog.pg_roles r ON r.oid = l.objid
                          -- a prepared transaction's locks keep its virtual transaction id, with no pid
                          JOIN pg_catalog.pg_locks x ON x.virtualtransaction = l.virtualtransaction AND x.locktype = 'transactionid' AND x.transactionid = p.transaction
                          WHERE l.pid IS NULL AND l.locktype = 'object' AND l.classid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND r.rolname = @role)
            """, connection))
        {
            command.Parameters.AddWithValue("role", role);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (reader.GetBoolean(1) ? here : elsewhere).Add(reader.GetString(0));
            }
        }

        foreach (var gid in here)
        {
            await connection.ExecuteAsync($"ROLLBACK PREPARED {SqlText.Literal(gid)}", cancellationToken).ConfigureAwait(false);
        }

        if (elsewhere.Count > 0)
        {
            throw new BrokerException($"{role} has prepared transactions in another database ({string.Join(", ", elsewhere)}); roll them back there, then revoke again", retryable: false);
        }
    }

    private static async Task<(bool Recorded, bool Revoked, bool RoleExists)> LockRunAndFindAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { BrokerSchema.LockRun(role), LedgerStore.FindCommand(role) } };
        // The lock's upsert returns no rows: the reader starts on the lookup's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await LedgerStore.ReadFoundAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<TableAccess>> RecordCreateAndReadAsync(
        NpgsqlConnection connection, IReadOnlyList<NpgsqlBatchCommand> writes, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var write in writes)
        {
            batch.BatchCommands.Add(write);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(BrokerSchema.LockGrants));
        ListedTableGuard.AddTo(batch, tables);
        TableAccessReader.AddTo(batch, tables);
        // The writes and the lock return no rows: the reader starts on the guard's first result.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await ListedTableGuard.CheckAsync(reader, tables, cancellationToken).ConfigureAwait(false);
        return await TableAccessReader.ReadAsync(reader, tables, cancellationToken).ConfigureAwait(false);
    }

    private Task CheckpointAsync(string point) => Checkpoint?.Invoke(point) ?? Task.CompletedTask;
}
