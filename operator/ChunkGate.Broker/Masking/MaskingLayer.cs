using ChunkGate.Api.Connections;
using ChunkGate.Broker.Connection;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Ledger;
using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Masking;

/// <summary>
/// The database's masking layer of one connection (rule 6a): a security-barrier view per table
/// with masked columns, in the ChunkGate schema, owned by the admin, each masked column replaced by
/// its strategy's expression; the hash key in an admin-only table. <see cref="ApplyAsync"/>
/// reconciles views, key and the privileges of every live role in one transaction.
/// </summary>
public sealed class MaskingLayer(NpgsqlDataSource admin)
{
    public async Task ApplyAsync(IReadOnlyList<ColumnMask> rules, ReadOnlyMemory<byte> hashKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var parsed = rules.Select(rule => (Column: ColumnName.Parse(rule.Column), rule.Strategy)).ToList();
        var byTable = parsed.GroupBy(rule => rule.Column.Table).ToDictionary(group => group.Key, group => group.ToDictionary(rule => rule.Column.Column, rule => rule.Strategy, StringComparer.Ordinal));
        var clash = byTable.Keys.GroupBy(table => table.Table, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (clash is not null)
        {
            throw new BrokerException($"masked tables {string.Join(" and ", clash)} would share one masking view name; rename one or mask in the sidecar only", retryable: false);
        }

        var (inner, outer) = HashKey.Pads(hashKey.Span);
        try
        {
            await BrokerInstaller.InstallAsync(admin, cancellationToken).ConfigureAwait(false);
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(BrokerSchema.LockGrants, cancellationToken).ConfigureAwait(false);
            var tables = await CatalogReader.TablesAsync(connection, byTable.Keys.ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var table in tables)
            {
                var missing = byTable[table.Name].Keys.FirstOrDefault(column => table.Columns.All(existing => existing.Name != column));
                if (missing is not null)
                {
                    throw new BrokerException($"masking rule {table.Name}.{missing}: table {table.Name} has no column {missing}", retryable: false);
                }
            }

            await using (var command = new NpgsqlCommand(
                """
                INSERT INTO chunkgate.hash_key (inner_pad, outer_pad) VALUES (@inner, @outer)
                ON CONFLICT (only_row) DO UPDATE SET inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad
                """, connection))
            {
                command.Parameters.AddWithValue("inner", inner);
                command.Parameters.AddWithValue("outer", outer);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var previous = await ViewedTablesAsync(connection, cancellationToken).ConfigureAwait(false);
            await ReplaceRulesAsync(connection, parsed, cancellationToken).ConfigureAwait(false);
            foreach (var view in await ExistingViewsAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                if (!byTable.Keys.Any(table => table.Table == view))
                {
                    await connection.ExecuteAsync($"DROP VIEW {SqlText.Qualified(BrokerSchema.Masked, view)}", cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var table in tables)
            {
                await CreateViewAsync(connection, table, byTable[table.Name], cancellationToken).ConfigureAwait(false);
            }

            await connection.ExecuteAsync(BrokerSchema.DropKeyedFunctions, cancellationToken).ConfigureAwait(false);

            // Live roles get their grants recomputed: a newly masked column is taken from them, a
            // column no longer masked given back.
            foreach (var entry in await LedgerStore.ReadAsync(connection, liveOnly: true, cancellationToken).ConfigureAwait(false))
            {
                await RegrantAsync(connection, entry, previous, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap("applying the masking rules", exception);
        }
    }

    /// <summary>The connection is gone: views, functions, key and rules are dropped. Revoke its roles first (a sweep with nothing live).</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(BrokerSchema.LockGrants, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {BrokerSchema.Masked} CASCADE", cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("DELETE FROM chunkgate.hash_key; DELETE FROM chunkgate.masked_columns", cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            // Never installed: nothing to remove.
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap("removing the masking layer", exception);
        }
    }

    private static async Task CreateViewAsync(NpgsqlConnection connection, CatalogTable table, IReadOnlyDictionary<string, MaskStrategy> masked, CancellationToken cancellationToken)
    {
        var items = table.Columns.Select(column => masked.TryGetValue(column.Name, out var strategy)
            ? MaskExpressions.SelectItem(column, strategy)
            : SqlText.Identifier(column.Name));
        var view = GrantPlan.MaskingView(table.Name);
        var body = $"WITH (security_barrier) AS SELECT {string.Join(", ", items)} FROM {table.Name.Quoted}";
        await connection.ExecuteAsync("SAVEPOINT chunkgate_view", cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteAsync($"CREATE OR REPLACE VIEW {view} {body}", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InvalidTableDefinition or PostgresErrorCodes.DatatypeMismatch)
        {
            // The table's columns changed shape: the view is rebuilt (live roles are re-granted below).
            await connection.ExecuteAsync("ROLLBACK TO SAVEPOINT chunkgate_view", cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync($"DROP VIEW {view}", cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync($"CREATE VIEW {view} {body}", cancellationToken).ConfigureAwait(false);
        }

        await connection.ExecuteAsync("RELEASE SAVEPOINT chunkgate_view", cancellationToken).ConfigureAwait(false);
    }

    private static async Task RegrantAsync(NpgsqlConnection connection, LedgerEntry entry, IReadOnlySet<TableName> previousViews, CancellationToken cancellationToken)
    {
        var (_, _, exists) = await LedgerStore.FindAsync(connection, entry.Role, cancellationToken).ConfigureAwait(false);
        if (!exists)
        {
            return;
        }

        var tables = entry.Tables.Select(TableName.Parse).ToList();
        var access = await TableAccessReader.ReadAsync(connection, tables, cancellationToken).ConfigureAwait(false);
        var views = previousViews.Union(access.Where(table => table.IsMasked).Select(table => table.Table)).Where(tables.Contains).ToHashSet();
        var existingViews = await ExistingViewsAsync(connection, cancellationToken).ConfigureAwait(false);
        views.RemoveWhere(table => !existingViews.Contains(table.Table));
        foreach (var statement in GrantPlan.Revokes(entry.Role, tables, views).Concat(GrantPlan.Grants(entry.Role, entry.Action, access)))
        {
            await connection.ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ReplaceRulesAsync(NpgsqlConnection connection, IReadOnlyList<(ColumnName Column, MaskStrategy Strategy)> rules, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("DELETE FROM chunkgate.masked_columns", cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "INSERT INTO chunkgate.masked_columns SELECT * FROM unnest(@schemas::text[], @tables::text[], @columns::text[], @strategies::text[]) ON CONFLICT DO NOTHING",
            connection);
        command.Parameters.AddWithValue("schemas", rules.Select(rule => rule.Column.Table.Schema).ToArray());
        command.Parameters.AddWithValue("tables", rules.Select(rule => rule.Column.Table.Table).ToArray());
        command.Parameters.AddWithValue("columns", rules.Select(rule => rule.Column.Column).ToArray());
        command.Parameters.AddWithValue("strategies", rules.Select(rule => rule.Strategy.ToString()).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlySet<TableName>> ViewedTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var tables = new HashSet<TableName>();
        await using var command = new NpgsqlCommand("SELECT DISTINCT schema_name, table_name FROM chunkgate.masked_columns", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new TableName(reader.GetString(0), reader.GetString(1)));
        }

        return tables;
    }

    private static async Task<HashSet<string>> ExistingViewsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var views = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(
            "SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relkind = 'v'",
            connection);
        command.Parameters.AddWithValue("schema", BrokerSchema.Masked);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            views.Add(reader.GetString(0));
        }

        return views;
    }

}
