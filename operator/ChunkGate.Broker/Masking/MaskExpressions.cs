using System.Globalization;
using ChunkGate.Api.Connections;
using ChunkGate.Broker.Sql;

namespace ChunkGate.Broker.Masking;

/// <summary>
/// The SQL expression a masking view puts in place of a masked column. Each one computes, inside
/// PostgreSQL, exactly what the sidecar's <c>MaskedValueWriter</c> writes for the same value and
/// key (same canonical input to the keyed hash, same mapping into the column's type), so a value
/// reads the same whichever layer masked it. The result is cast back to the column's own type, so
/// the view has the table's column types, and varchar(n)/char(n) cut or pad as the sidecar does.
/// </summary>
internal static class MaskExpressions
{
    private const string Hmac = BrokerSchema.Masked + ".hmac";
    private const string HmacInt8 = BrokerSchema.Masked + ".hmac_int8";

    // The key's pads as uncorrelated scalar subqueries: the view reads the admin-only table with
    // its owner's privileges, PostgreSQL evaluates each once per query (an InitPlan), and EXPLAIN
    // shows only the subquery, never the values.
    private const string Pads = ", (SELECT inner_pad FROM " + BrokerSchema.Admin + ".hash_key), (SELECT outer_pad FROM " + BrokerSchema.Admin + ".hash_key))";

    /// <summary>The select-list item for <paramref name="column"/>: the masked expression named like the column.</summary>
    public static string SelectItem(CatalogColumn column, MaskStrategy strategy)
    {
        var value = SqlText.Identifier(column.Name);
        var expression = strategy switch
        {
            MaskStrategy.Redact => Redacted(column.TypeOid),
            MaskStrategy.Last4 => Last4(column, value),
            MaskStrategy.Hash => Hashed(column, value),
            _ => "NULL",
        };

        // NULL stays NULL, as in the sidecar (which never sees a value to mask there).
        return $"CAST(CASE WHEN {value} IS NULL THEN NULL ELSE {expression} END AS {column.TypeName}) AS {value}";
    }

    private static string Redacted(uint type) => type switch
    {
        PgType.Text or PgType.Varchar or PgType.Bpchar or PgType.Name or PgType.Xml => "'REDACTED'",
        PgType.Json or PgType.Jsonb => "'\"REDACTED\"'",
        PgType.Int2 or PgType.Int4 or PgType.Int8 or PgType.Oid or PgType.Float4 or PgType.Float8 or PgType.Numeric => "0",
        PgType.Bool => "false",
        PgType.Date => "'2000-01-01'",
        PgType.Time => "'00:00:00'",
        PgType.Timestamp => "'2000-01-01 00:00:00'",
        PgType.Timestamptz => "'2000-01-01 00:00:00+00'",
        PgType.Interval => "'0'",
        PgType.Uuid => "'00000000-0000-0000-0000-000000000000'",
        PgType.Bytea => "'\\x'",
        _ => "NULL",
    };

    private static string Last4(CatalogColumn column, string value) => column.TypeOid switch
    {
        PgType.Text or PgType.Varchar or PgType.Bpchar or PgType.Name =>
            $"CASE WHEN char_length({value}::text) > 4 THEN repeat('*', char_length({value}::text) - 4) || right({value}::text, 4) ELSE repeat('*', char_length({value}::text)) END",
        PgType.Int2 or PgType.Int4 or PgType.Int8 =>
            $"CASE WHEN {value}::numeric = -9223372036854775808 THEN 0 ELSE abs({value}::numeric) % 10000 END",
        PgType.Numeric =>
            $"CASE WHEN {value} IN ('NaN', 'Infinity', '-Infinity') THEN 0 ELSE trunc(abs({value})) % 10000 END % {Number(NumericModulus(column))}",
        _ => Redacted(column.TypeOid),
    };

    private static string Hashed(CatalogColumn column, string value)
    {
        switch (column.TypeOid)
        {
            case PgType.Text or PgType.Varchar or PgType.Name or PgType.Xml:
                return $"encode(substr({Hmac}(convert_to({value}::text, 'UTF8'){Pads}, 1, 16), 'hex')";
            case PgType.Bpchar:
                // The sidecar hashes char(n) as sent: padded to n.
                var padded = column.TypeModifier > 4 ? $"rpad({value}::text, {Number(column.TypeModifier - 4)})" : $"{value}::text";
                return $"encode(substr({Hmac}(convert_to({padded}, 'UTF8'){Pads}, 1, 16), 'hex')";
            case PgType.Json or PgType.Jsonb:
                return $"'\"' || encode(substr({Hmac}(convert_to({value}::text, 'UTF8'){Pads}, 1, 16), 'hex') || '\"'";
            case PgType.Int2 or PgType.Int4 or PgType.Int8 or PgType.Oid:
                var bound = column.TypeOid switch
                {
                    PgType.Int2 => " % 32768",
                    PgType.Int4 or PgType.Oid => " % 2147483648",
                    _ => "",
                };
                return $"{HmacInt8}(int8send({value}::int8){Pads}{bound}";
            case PgType.Numeric:
                return $"{HmacInt8}(convert_to({value}::text, 'UTF8'){Pads} % {Number(Math.Min(1_000_000_000_000L, NumericModulus(column)))}";
            case PgType.Float4:
                return $"{HmacInt8}(float4send({value}){Pads} % 1000000000000";
            case PgType.Float8:
                return $"{HmacInt8}(float8send({value}){Pads} % 1000000000000";
            case PgType.Bool:
                return $"({HmacInt8}(convert_to(CASE WHEN {value} THEN 't' ELSE 'f' END, 'UTF8'){Pads} & 1) = 1";
            case PgType.Date:
                return $"DATE '2000-01-01' + ({HmacInt8}(date_send({value}){Pads} % 36525)::int";
            case PgType.Timestamp:
                return $"TIMESTAMP '2000-01-01 00:00:00' + make_interval(secs => {HmacInt8}(timestamp_send({value}){Pads} % 3155760000)";
            case PgType.Timestamptz:
                return $"TIMESTAMPTZ '2000-01-01 00:00:00+00' + make_interval(secs => {HmacInt8}(timestamptz_send({value}){Pads} % 3155760000)";
            case PgType.Uuid:
                return $"encode(substr({Hmac}(uuid_send({value}){Pads}, 1, 16), 'hex')::uuid";
            case PgType.Bytea:
                return $"{Hmac}({value}{Pads}";
            default:
                return Redacted(column.TypeOid);
        }
    }

    /// <summary>Largest integer a numeric(p,s) column holds plus one (10^(p-s)); no limit without a typmod. As the sidecar computes it.</summary>
    private static long NumericModulus(CatalogColumn column)
    {
        if (column.TypeOid != PgType.Numeric || column.TypeModifier < 4)
        {
            return long.MaxValue;
        }

        var precision = ((column.TypeModifier - 4) >> 16) & 0xFFFF;
        var scale = (short)((column.TypeModifier - 4) & 0xFFFF);
        var modulus = 1L;
        for (var digit = 0; digit < Math.Clamp(precision - scale, 0, 18); digit++)
        {
            modulus *= 10;
        }

        return modulus;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
