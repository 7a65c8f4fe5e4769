using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ChunkGate.Kubectl.Output;

/// <summary>
/// Writes a JSON document as block-style YAML, as kubectl's <c>-o yaml</c> looks: strings plain when
/// YAML reads them back as the same string, double-quoted (JSON escapes, valid YAML) otherwise,
/// multi-line strings as literal blocks (a query stays readable).
/// </summary>
internal static partial class YamlText
{
    public static void Write(TextWriter output, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                WriteObject(output, obj, 0);
                break;
            case JsonArray array when array.Count > 0:
                WriteArray(output, array, 0);
                break;
            default:
                output.WriteLine(Scalar(node, 0));
                break;
        }
    }

    private static void WriteObject(TextWriter output, JsonObject obj, int indent)
    {
        foreach (var (key, value) in obj)
        {
            output.Write(new string(' ', indent));
            output.Write(Key(key));
            output.Write(':');
            WriteValue(output, value, indent, inSequence: false);
        }
    }

    private static void WriteArray(TextWriter output, JsonArray array, int indent)
    {
        foreach (var item in array)
        {
            output.Write(new string(' ', indent));
            output.Write('-');
            if (item is JsonObject { Count: > 0 } obj)
            {
                // "- key: value" with the remaining keys aligned under the first.
                var first = true;
                foreach (var (key, value) in obj)
                {
                    output.Write(first ? " " : new string(' ', indent + 2));
                    first = false;
                    output.Write(Key(key));
                    output.Write(':');
                    WriteValue(output, value, indent + 2, inSequence: false);
                }
            }
            else
            {
                WriteValue(output, item, indent, inSequence: true);
            }
        }
    }

    private static void WriteValue(TextWriter output, JsonNode? value, int indent, bool inSequence)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } child:
                output.WriteLine();
                WriteObject(output, child, indent + 2);
                break;
            case JsonArray { Count: > 0 } list:
                output.WriteLine();
                // kubectl (sigs.k8s.io/yaml) writes a mapping's sequence at the key's indentation.
                WriteArray(output, list, inSequence ? indent + 2 : indent);
                break;
            default:
                output.Write(' ');
                output.WriteLine(Scalar(value, indent + 2));
                break;
        }
    }

    private static string Key(string key) => IsPlain(key) ? key : Quoted(key);

    private static string Scalar(JsonNode? node, int indent)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonObject:
                return "{}";
            case JsonArray:
                return "[]";
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.String => Text(node.GetValue<string>(), indent),
            JsonValueKind.Number => node.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        };
    }

    private static string Text(string text, int indent)
    {
        // A literal block keeps a query's lines; "|" keeps one final newline, "|-" none. Text a block
        // cannot carry exactly (leading space, CR, tabs, several final newlines) is quoted instead.
        if (text.Contains('\n') && !text.Contains('\r') && !text.Contains('\t') && text[0] != ' ' && !text.EndsWith("\n\n", StringComparison.Ordinal))
        {
            var pad = new string(' ', indent);
            var body = text.EndsWith('\n') ? text[..^1] : text;
            return (text.EndsWith('\n') ? "|" : "|-") + "\n" + string.Join("\n", body.Split('\n').Select(line => line.Length == 0 ? "" : pad + line));
        }

        return IsPlain(text) ? text : Quoted(text);
    }

    private static string Quoted(string text) => JsonSerializer.Serialize(text, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Plain only when YAML 1.1 and 1.2 both read it back as this string (no bool, null, number, indicator).</summary>
    private static bool IsPlain(string text) =>
        text.Length > 0
        && PlainSafe().IsMatch(text)
        && !Reserved().IsMatch(text)
        && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        && !YamlOneOneNumberOrTime().IsMatch(text)
        && !text.Contains(": ", StringComparison.Ordinal)
        && !text.Contains(" #", StringComparison.Ordinal)
        && !text.EndsWith(':')
        && text.Trim() == text;

    [GeneratedRegex(@"^[A-Za-z0-9_./$][A-Za-z0-9_./:@+ ,()=<>$*&!%?'""\[\]{}|-]*$")]
    private static partial Regex PlainSafe();

    /// <summary>What YAML 1.1 readers (go-yaml v2, PyYAML) would turn into a number or a timestamp: 0x1F, 0o17, 0b101, 1:20, 2026-11-30…</summary>
    [GeneratedRegex(@"^(?i:[-+]?0[xob][0-9a-f_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)$")]
    private static partial Regex YamlOneOneNumberOrTime();

    [GeneratedRegex(@"^(?i:y|n|yes|no|on|off|true|false|null|~|\.nan|[-+]?\.inf)$")]
    private static partial Regex Reserved();
}
