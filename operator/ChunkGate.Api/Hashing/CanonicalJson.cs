using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChunkGate.Api.Hashing;

/// <summary>
/// Canonical JSON in the manner of RFC 8785 (JCS): object members sorted by key (ordinal UTF-16),
/// no insignificant whitespace, strings with only the escapes JSON requires (so <c>"\u00e9"</c> and
/// <c>"é"</c> are the same text), numbers in their shortest round-trip form (<c>1.0</c> is <c>1</c>),
/// and members whose value is null dropped (Kubernetes treats an explicit null as absent).
/// Strings are not Unicode-normalised: NFC and NFD forms are different bytes in SQL, so they must
/// hash differently.
/// </summary>
public static class CanonicalJson
{
    public static string Write(JsonNode? node)
    {
        var builder = new StringBuilder();
        Append(builder, node);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj.Where(member => member.Value is not null).OrderBy(member => member.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    AppendString(builder, key);
                    builder.Append(':');
                    Append(builder, value);
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    Append(builder, array[i]);
                }

                builder.Append(']');
                break;
            case JsonValue value:
                AppendValue(builder, value);
                break;
        }
    }

    private static void AppendValue(StringBuilder builder, JsonValue value)
    {
        // Values built in code (JsonValue.Create(5)) are not JsonElements underneath; serialise to get one.
        var element = value.TryGetValue<JsonElement>(out var parsed) ? parsed : JsonSerializer.SerializeToElement(value);
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                AppendString(builder, element.GetString()!);
                break;
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var integer))
                {
                    builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    var number = element.GetDouble();
                    builder.Append(number == Math.Floor(number) && Math.Abs(number) < 1e15
                        ? ((long)number).ToString(CultureInfo.InvariantCulture)
                        : number.ToString("R", CultureInfo.InvariantCulture));
                }

                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    private static void AppendString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
    }
}
