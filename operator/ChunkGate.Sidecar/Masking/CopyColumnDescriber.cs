using Npgsql;
using Npgsql.Schema;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Describes the columns of a <c>COPY … TO STDOUT</c> (which sends no RowDescription) by running
/// its source as <c>SELECT … LIMIT 0</c> on the session's catalog connection, so the COPY output can
/// be planned and masked like a result set. All fields are text format (COPY text/CSV).
/// </summary>
internal static class CopyColumnDescriber
{
    /// <summary>
    /// The COPY's fields, or null when the statement is not a COPY TO STDOUT or its source cannot be
    /// described; the proxy must then refuse the COPY while masking is on, never pass it unmasked.
    /// </summary>
    public static async Task<FieldDescription[]?> DescribeAsync(NpgsqlConnection connection, CopyStatement copy, CancellationToken cancellationToken)
    {
        // The source is client text run on our connection: one statement only, never a batch.
        if (copy.Source.Contains(';', StringComparison.Ordinal) || (copy.ColumnList?.Contains(';', StringComparison.Ordinal) ?? false))
        {
            return null;
        }

        try
        {
            await using var command = new NpgsqlCommand(copy.DescribeQuery, connection);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
            var schema = reader.GetColumnSchema();
            var fields = new FieldDescription[schema.Count];
            for (var index = 0; index < fields.Length; index++)
            {
                var column = schema[index];
                fields[index] = new FieldDescription(
                    column.TableOID,
                    column.ColumnAttributeNumber ?? 0,
                    column.TypeOID,
                    -1,
                    TypeModifier(column),
                    FormatCode: 0);
            }

            return fields;
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    /// <summary>Rebuilds the typmod Npgsql decoded into sizes: varchar(n)/char(n) → n + 4, numeric(p,s) → (p &lt;&lt; 16 | s) + 4.</summary>
    private static int TypeModifier(NpgsqlDbColumn column) => column.TypeOID switch
    {
        PgTypeOid.Varchar or PgTypeOid.Bpchar when column.ColumnSize is > 0 and < int.MaxValue - 4 => column.ColumnSize.Value + 4,
        PgTypeOid.Numeric when column.NumericPrecision is > 0 => ((column.NumericPrecision.Value << 16) | (column.NumericScale ?? 0)) + 4,
        _ => -1,
    };
}
