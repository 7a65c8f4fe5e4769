using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using Npgsql;

namespace ChunkGate.Broker.Ledger;

/// <summary>The ledger's SQL: rows are written in the transaction that creates the role.</summary>
internal static class LedgerStore
{
    public static async Task<(bool Recorded, bool Revoked, bool RoleExists)> FindAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { FindCommand(role) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadFoundAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the ledger knows the role (and revoked it), and whether the role exists: for a batch, read with <see cref="ReadFoundAsync"/>.</summary>
    public static NpgsqlBatchCommand FindCommand(string role)
    {
        var command = new NpgsqlBatchCommand(
            """
            SELECT (SELECT revoked_at IS NOT NULL FROM chunkgate.ledger WHERE role = @role),
                   EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = @role)
            """);
        command.Parameters.AddWithValue("role", role);
        return command;
    }

    /// <summary>Reads <see cref="FindCommand"/>'s row; the reader is on its result.</summary>
    public static async Task<(bool Recorded, bool Revoked, bool RoleExists)> ReadFoundAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (!reader.IsDBNull(0), !reader.IsDBNull(0) && reader.GetBoolean(0), reader.GetBoolean(1));
    }

    /// <summary>The run's ledger row (a retry updates it), for the batch that creates the role.</summary>
    public static NpgsqlBatchCommand RecordCommand(CredentialRequest request)
    {
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO chunkgate.ledger (role, job_uid, namespace, name, run, action, tables, expires_at)
            VALUES (@role, @uid, @namespace, @name, @run, @action, @tables, @expires)
            ON CONFLICT (role) DO UPDATE SET expires_at = EXCLUDED.expires_at, tables = EXCLUDED.tables, action = EXCLUDED.action
            """);
        command.Parameters.AddWithValue("role", request.RoleName);
        command.Parameters.AddWithValue("uid", request.JobUid);
        command.Parameters.AddWithValue("namespace", request.Namespace);
        command.Parameters.AddWithValue("name", request.Name);
        command.Parameters.AddWithValue("run", request.Run);
        command.Parameters.AddWithValue("action", request.Action.ToString());
        command.Parameters.AddWithValue("tables", request.Tables.ToArray());
        command.Parameters.AddWithValue("expires", request.ExpiresAt.ToUniversalTime());
        return command;
    }

    public static Task MarkRevokedAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken) =>
        MarkRevokedAsync(connection, [role], cancellationToken);

    public static async Task MarkRevokedAsync(NpgsqlConnection connection, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("UPDATE chunkgate.ledger SET revoked_at = coalesce(revoked_at, now()) WHERE role = ANY(@roles)", connection);
        command.Parameters.AddWithValue("roles", roles.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<LedgerEntry>> ReadAsync(NpgsqlConnection connection, bool liveOnly, CancellationToken cancellationToken)
    {
        var entries = new List<LedgerEntry>();
        await using var command = new NpgsqlCommand(
            "SELECT role, job_uid, namespace, name, run, action, tables, expires_at, issued_at, revoked_at FROM chunkgate.ledger"
            + (liveOnly ? " WHERE revoked_at IS NULL" : "") + " ORDER BY issued_at", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new LedgerEntry(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                Enum.Parse<JobAction>(reader.GetString(5)), reader.GetFieldValue<string[]>(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return entries;
    }

    public static async Task<IReadOnlyList<string>> PrefixedRolesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var roles = new List<string>();
        await using var command = new NpgsqlCommand("SELECT rolname::text FROM pg_catalog.pg_roles WHERE starts_with(rolname::text, @prefix)", connection);
        command.Parameters.AddWithValue("prefix", RoleNames.Prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            roles.Add(reader.GetString(0));
        }

        return roles;
    }
}
