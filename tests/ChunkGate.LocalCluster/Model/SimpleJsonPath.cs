using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Model;

/// <summary>
/// The "simple JSON path" subset CRD printer columns use: <c>.a.b</c>, <c>[0]</c>, <c>[*]</c> and
/// <c>[?(@.type=="Ready")]</c> filters.
/// </summary>
internal static class SimpleJsonPath
{
    public static IReadOnlyList<JsonNode?> Evaluate(JsonNode? root, string path)
    {
        var current = new List<JsonNode?> { root };
        var text = path.Trim().TrimStart('{').TrimEnd('}');
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != '.' && text[end] != '[')
                {
                    end++;
                }

                var name = text[(i + 1)..end];
                current = name.Length == 0 ? current : current.Select(node => node is JsonObject obj ? obj[name] : null).Where(n => n is not null).ToList();
                i = end;
            }
            else if (text[i] == '[')
            {
                var end = text.IndexOf(']', i);
                if (end < 0)
                {
                    return [];
                }

                var selector = text[(i + 1)..end];
                current = Select(current, selector);
                i = end + 1;
            }
            else
            {
                i++;
            }
        }

        return current;
    }

    private static List<JsonNode?> Select(List<JsonNode?> nodes, string selector)
    {
        if (selector == "*")
        {
            return nodes.SelectMany(node => node switch
            {
                JsonArray array => array.ToList(),
                JsonObject obj => obj.Select(p => p.Value).ToList(),
                _ => [],
            }).ToList();
        }

        if (int.TryParse(selector, out var index))
        {
            return nodes.Select(node => node is JsonArray array && index < array.Count && index >= -array.Count ? array[index < 0 ? array.Count + index : index] : null)
                .Where(n => n is not null).ToList();
        }

        if (selector.StartsWith("?(@.", StringComparison.Ordinal) && selector.EndsWith(')'))
        {
            var condition = selector[4..^1];
            var equals = condition.IndexOf("==", StringComparison.Ordinal);
            if (equals < 0)
            {
                return [];
            }

            var field = condition[..equals].Trim();
            var expected = condition[(equals + 2)..].Trim().Trim('"', '\'');
            return nodes.SelectMany(node => node is JsonArray array ? array.ToList() : [])
                .Where(item => ObjectFields.ScalarText(ObjectFields.At(item, field)) == expected).ToList();
        }

        return [];
    }
}
