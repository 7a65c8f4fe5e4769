using System.Buffers;
using System.Text.Json;
using ChunkGate.Runner.Configuration;

namespace ChunkGate.Runner.Output;

/// <summary>
/// JSON Lines: one object per row, keys in column order. Numbers stay numbers (NaN and Infinity
/// become strings), booleans booleans, json and jsonb are embedded as JSON, NULL is null, and every
/// other value is the string PostgreSQL prints for it. Line breaks never appear raw (escaped in
/// strings, turned into spaces between the tokens of a json value, where they are only
/// whitespace), so every line is one row and no value can start a line.
/// </summary>
internal sealed class JsonLinesFormatter : IRowFormatter
{
    private const uint BoolOid = 16, Int8Oid = 20, Int2Oid = 21, Int4Oid = 23, OidOid = 26, JsonOid = 114;
    private const uint Float4Oid = 700, Float8Oid = 701, NumericOid = 1700, JsonbOid = 3802;

    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(EscapedBytes());
    private static readonly SearchValues<byte> LineBreaks = SearchValues.Create("\r\n"u8);
    private static readonly SearchValues<byte> NumberBytes = SearchValues.Create("0123456789+-.eE"u8);
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    private byte[][] keys = [];
    private ValueKind[] kinds = [];

    private enum ValueKind { Text, Number, Boolean, Json }

    public void Begin(IReadOnlyList<ResultColumn> columns, RowSink sink)
    {
        keys = new byte[columns.Count][];
        kinds = new ValueKind[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            keys[i] = [(byte)(i == 0 ? '{' : ','), .. JsonSerializer.SerializeToUtf8Bytes(columns[i].Name, RunnerJson.Default.String), (byte)':'];
            kinds[i] = columns[i].TypeOid switch
            {
                Int2Oid or Int4Oid or Int8Oid or OidOid or Float4Oid or Float8Oid or NumericOid => ValueKind.Number,
                BoolOid => ValueKind.Boolean,
                JsonOid or JsonbOid => ValueKind.Json,
                _ => ValueKind.Text,
            };
        }
    }

    public void Value(int ordinal, ReadOnlySpan<byte> text, bool isNull, RowSink sink)
    {
        sink.Write(keys[ordinal]);
        if (isNull)
        {
            sink.Write("null"u8);
            return;
        }

        switch (kinds[ordinal])
        {
            case ValueKind.Number when text.Length > 0 && !text.ContainsAnyExcept(NumberBytes) && char.IsAsciiDigit((char)text[^1]):
                sink.Write(text);
                break;
            case ValueKind.Boolean:
                sink.Write(text.SequenceEqual("t"u8) ? "true"u8 : "false"u8);
                break;
            case ValueKind.Json:
                WriteJson(text, sink);
                break;
            default:
                WriteString(text, sink);
                break;
        }
    }

    public void EndRow(RowSink sink) => sink.Write(keys.Length == 0 ? "{}\n"u8 : "}\n"u8);

    /// <summary>json keeps its input's whitespace; a line break there is whitespace (inside a JSON string it is always escaped), so a space replaces it.</summary>
    private static void WriteJson(ReadOnlySpan<byte> text, RowSink sink)
    {
        while (true)
        {
            var lineBreak = text.IndexOfAny(LineBreaks);
            if (lineBreak < 0)
            {
                sink.Write(text);
                return;
            }

            sink.Write(text[..lineBreak]);
            sink.Write(" "u8);
            text = text[(lineBreak + 1)..];
        }
    }

    private static void WriteString(ReadOnlySpan<byte> text, RowSink sink)
    {
        sink.Write("\""u8);
        while (true)
        {
            var special = text.IndexOfAny(NeedsEscape);
            if (special < 0)
            {
                sink.Write(text);
                break;
            }

            sink.Write(text[..special]);
            WriteEscape(text[special], sink);
            text = text[(special + 1)..];
        }

        sink.Write("\""u8);
    }

    private static void WriteEscape(byte value, RowSink sink)
    {
        switch (value)
        {
            case (byte)'"': sink.Write("\\\""u8); break;
            case (byte)'\\': sink.Write("\\\\"u8); break;
            case (byte)'\n': sink.Write("\\n"u8); break;
            case (byte)'\r': sink.Write("\\r"u8); break;
            case (byte)'\t': sink.Write("\\t"u8); break;
            default:
                var escape = sink.Reserve(6);
                "\\u00"u8.CopyTo(escape);
                escape[4] = Hex[value >> 4];
                escape[5] = Hex[value & 0xF];
                sink.Advance(6);
                break;
        }
    }

    private static byte[] EscapedBytes()
    {
        var bytes = new List<byte> { (byte)'"', (byte)'\\', 0x7F };
        for (var value = 0; value < 0x20; value++)
        {
            bytes.Add((byte)value);
        }

        return [.. bytes];
    }
}
