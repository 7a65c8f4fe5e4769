using ChunkGate.Api.Validation;
using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// What a job may list as a table, checked before any grant. A hostile tester found each of these
/// granted raw data: system catalogs (pg_statistic holds sample values of masked columns,
/// pg_authid the password verifiers), ChunkGate's own schemas (the hash key, the ledger), views and
/// foreign tables (they read other tables as their owner), partitions and inheritance children of a
/// masked table (they hold its rows under another name), and any table after a masked column or
/// table was renamed (the rule named nothing any more). All are terminal errors naming the table.
/// </summary>
internal static class ListedTableGuard
{
    /// <summary>The pure part: schemas no job may ever be granted on (the same contract admission checks).</summary>
    public static string? SchemaRefusal(TableName table) =>
        ReservedSchemas.Contains(table.Schema) ? ReservedSchemas.Refusal(table.ToString(), table.Schema) : null;

    private const string ListedSql = """
        SELECT r.ordinality::int, c.relkind::text,
               (WITH RECURSIVE ancestors(oid) AS (
                    SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid
                    UNION SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN ancestors a ON i.inhrelid = a.oid)
                SELECT string_agg(DISTINCT format('%s.%s', pn.nspname, pc.relname), ', ')
                FROM ancestors a
                JOIN pg_catalog.pg_class pc ON pc.oid = a.oid
                JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                JOIN chunkgate.masked_columns m ON m.schema_name = pn.nspname AND m.table_name = pc.relname)
        FROM unnest(@schemas::text[], @tables::text[]) WITH ORDINALITY AS r(schema_name, table_name, ordinality)
        JOIN pg_catalog.pg_namespace n ON n.nspname = r.schema_name
        JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.table_name
        ORDER BY r.ordinality
        """;

    // A rule that names no existing column masks nothing: a rename by a migration would unmask it.
    // The table is looked up by its quoted name (to_regclass, NULL when there is none) so that each
    // rule costs two index probes; joined by names, the planner scanned all of pg_attribute (1.7 ms,
    // under the grants lock that concurrent issues queue on).
    private const string UnresolvedRulesSql = """
        SELECT format('%s.%s.%s', m.schema_name, m.table_name, m.column_name)
        FROM chunkgate.masked_columns m
        WHERE NOT EXISTS (
            SELECT FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.schema_name, m.table_name))
              AND a.attname = m.column_name AND a.attnum > 0 AND NOT a.attisdropped)
        ORDER BY 1
        """;

    /// <summary>The pure check, before anything is sent: a listed table in a forbidden schema.</summary>
    public static void CheckNames(IReadOnlyList<TableName> tables)
    {
        if (tables.Select(SchemaRefusal).FirstOrDefault(refusal => refusal is not null) is { } refused)
        {
            throw new BrokerException(refused, retryable: false);
        }
    }

    /// <summary>The catalog checks, added to a batch so they cost no round trip of their own (read them with <see cref="CheckAsync"/>).</summary>
    public static void AddTo(NpgsqlBatch batch, IReadOnlyList<TableName> tables)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand(UnresolvedRulesSql));
        var listed = new NpgsqlBatchCommand(ListedSql);
        listed.Parameters.AddWithValue("schemas", tables.Select(table => table.Schema).ToArray());
        listed.Parameters.AddWithValue("tables", tables.Select(table => table.Table).ToArray());
        batch.BatchCommands.Add(listed);
    }

    /// <summary>Reads the two result sets of <see cref="AddTo"/> (the reader is on the first) and leaves the reader on the next one.</summary>
    public static async Task CheckAsync(NpgsqlDataReader reader, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var unresolved = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            unresolved.Add(reader.GetString(0));
        }

        if (unresolved.Count > 0)
        {
            throw new BrokerException(
                $"masking rule(s) {string.Join(", ", unresolved)} name no existing column (renamed or dropped?); no credential is issued until the connection's masking rules are applied again",
                retryable: false);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = tables[reader.GetInt32(0) - 1];
            var kind = reader.GetString(1);
            if (kind is not ("r" or "p"))
            {
                throw new BrokerException($"{table} is not a table (relkind {kind}); a job may list only tables, since views and foreign tables read other data as their owner", retryable: false);
            }

            if (!reader.IsDBNull(2))
            {
                throw new BrokerException($"{table} is a partition or child of the masked table {reader.GetString(2)}; list {reader.GetString(2)} instead, which is read through its masking view", retryable: false);
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
    }
}
