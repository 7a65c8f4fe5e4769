using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>Gathers what <see cref="GrantPlan"/> needs: each listed table's columns and its masked ones.</summary>
internal static class TableAccessReader
{
    private const string MaskedSql = """
        SELECT m.schema_name, m.table_name, m.column_name
        FROM chunkgate.masked_columns m
        JOIN unnest(@schemas::text[], @tables::text[]) AS r(schema_name, table_name) USING (schema_name, table_name)
        """;

    /// <summary>One round trip.</summary>
    public static async Task<IReadOnlyList<TableAccess>> ReadAsync(NpgsqlConnection connection, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        AddTo(batch, tables);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(reader, tables, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The reads, added to a batch (read them with the reader overload of ReadAsync).</summary>
    public static void AddTo(NpgsqlBatch batch, IReadOnlyList<TableName> tables)
    {
        batch.BatchCommands.Add(CatalogReader.Command(tables));
        var masked = new NpgsqlBatchCommand(MaskedSql);
        masked.Parameters.AddWithValue("schemas", tables.Select(table => table.Schema).ToArray());
        masked.Parameters.AddWithValue("tables", tables.Select(table => table.Table).ToArray());
        batch.BatchCommands.Add(masked);
    }

    /// <summary>Reads the two result sets of <see cref="AddTo"/>; the reader is on the first.</summary>
    public static async Task<IReadOnlyList<TableAccess>> ReadAsync(NpgsqlDataReader reader, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var catalog = await CatalogReader.ReadAsync(reader, tables, cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var maskedColumns = new Dictionary<TableName, HashSet<string>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = new TableName(reader.GetString(0), reader.GetString(1));
            if (!maskedColumns.TryGetValue(table, out var columns))
            {
                maskedColumns[table] = columns = new HashSet<string>(StringComparer.Ordinal);
            }

            columns.Add(reader.GetString(2));
        }

        return catalog.Select(table => new TableAccess(
            table.Name,
            table.Columns.Select(column => column.Name).ToList(),
            maskedColumns.TryGetValue(table.Name, out var columns) ? columns : new HashSet<string>())).ToList();
    }
}
