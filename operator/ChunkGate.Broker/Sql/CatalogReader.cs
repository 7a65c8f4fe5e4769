using Npgsql;

namespace ChunkGate.Broker.Sql;

/// <summary>Reads tables' columns from the catalog; a table that does not exist is a terminal error naming it.</summary>
internal static class CatalogReader
{
    private const string ColumnsSql = """
        SELECT r.ordinality::int, c.oid IS NOT NULL, a.attname::text, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod)
        FROM unnest(@schemas::text[], @tables::text[]) WITH ORDINALITY AS r(schema_name, table_name, ordinality)
        LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = r.schema_name
        LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.table_name AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY r.ordinality, a.attnum
        """;

    public static async Task<IReadOnlyList<CatalogTable>> TablesAsync(NpgsqlConnection connection, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Command(tables) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(reader, tables, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The catalog query, to run in a batch with others (one round trip).</summary>
    public static NpgsqlBatchCommand Command(IReadOnlyList<TableName> tables)
    {
        var command = new NpgsqlBatchCommand(ColumnsSql);
        command.Parameters.AddWithValue("schemas", tables.Select(table => table.Schema).ToArray());
        command.Parameters.AddWithValue("tables", tables.Select(table => table.Table).ToArray());
        return command;
    }

    /// <summary>Reads the current result set, the one of <see cref="Command"/>.</summary>
    public static async Task<IReadOnlyList<CatalogTable>> ReadAsync(NpgsqlDataReader reader, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var columns = tables.Select(_ => new List<CatalogColumn>()).ToList();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var index = reader.GetInt32(0) - 1;
            if (!reader.GetBoolean(1))
            {
                throw new BrokerException($"table {tables[index]} does not exist in this database", retryable: false);
            }

            if (!reader.IsDBNull(2))
            {
                columns[index].Add(new CatalogColumn(reader.GetString(2), reader.GetFieldValue<uint>(3), reader.GetInt32(4), reader.GetString(5)));
            }
        }

        return tables.Select((table, index) => new CatalogTable(table, columns[index])).ToList();
    }
}
