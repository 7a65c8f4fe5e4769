using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>Gathers what <see cref="GrantPlan"/> needs: each listed table's columns and its masked ones.</summary>
internal static class TableAccessReader
{
    public static async Task<IReadOnlyList<TableAccess>> ReadAsync(NpgsqlConnection connection, IReadOnlyList<TableName> tables, CancellationToken cancellationToken)
    {
        var catalog = await CatalogReader.TablesAsync(connection, tables, cancellationToken).ConfigureAwait(false);
        var masked = new Dictionary<TableName, HashSet<string>>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT m.schema_name, m.table_name, m.column_name
            FROM chunkgate.masked_columns m
            JOIN unnest(@schemas::text[], @tables::text[]) AS r(schema_name, table_name) USING (schema_name, table_name)
            """, connection))
        {
            command.Parameters.AddWithValue("schemas", tables.Select(table => table.Schema).ToArray());
            command.Parameters.AddWithValue("tables", tables.Select(table => table.Table).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var table = new TableName(reader.GetString(0), reader.GetString(1));
                if (!masked.TryGetValue(table, out var columns))
                {
                    masked[table] = columns = new HashSet<string>(StringComparer.Ordinal);
                }

                columns.Add(reader.GetString(2));
            }
        }

        return catalog.Select(table => new TableAccess(
            table.Name,
            table.Columns.Select(column => column.Name).ToList(),
            masked.TryGetValue(table.Name, out var columns) ? columns : new HashSet<string>())).ToList();
    }
}
