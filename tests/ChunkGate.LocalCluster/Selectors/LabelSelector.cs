using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Selectors;

/// <summary>
/// A label selector in its query-string form (<c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>), as parsed by
/// k8s.io/apimachinery/pkg/labels: all requirements must hold.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    public static readonly LabelSelector Everything = new();

    public bool IsEmpty => requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => requirements.All(requirement => requirement(labels));

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var clause in SplitTopLevel(text))
        {
            selector.requirements.Add(ParseClause(clause.Trim()));
        }

        return selector;
    }

    /// <summary>A metav1.LabelSelector object (<c>matchLabels</c>, <c>matchExpressions</c>) as used by webhooks.</summary>
    public static LabelSelector FromObject(System.Text.Json.Nodes.JsonNode? node)
    {
        var selector = new LabelSelector();
        if (node is not System.Text.Json.Nodes.JsonObject obj)
        {
            return selector;
        }

        foreach (var (key, value) in Model.ObjectFields.StringMap(obj["matchLabels"]))
        {
            selector.requirements.Add(labels => labels.TryGetValue(key, out var actual) && actual == value);
        }

        foreach (var expression in obj["matchExpressions"]?.AsArray() ?? [])
        {
            var key = expression?["key"]?.GetValue<string>() ?? "";
            var op = expression?["operator"]?.GetValue<string>() ?? "";
            var values = expression?["values"]?.AsArray().Select(v => v?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal) ?? [];
            selector.requirements.Add(op switch
            {
                "In" => labels => labels.TryGetValue(key, out var actual) && values.Contains(actual),
                "NotIn" => labels => !labels.TryGetValue(key, out var actual) || !values.Contains(actual),
                "Exists" => labels => labels.ContainsKey(key),
                "DoesNotExist" => labels => !labels.ContainsKey(key),
                _ => throw ApiError.BadRequest($"invalid label selector operator \"{op}\""),
            });
        }

        return selector;
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseClause(string clause)
    {
        if (clause.StartsWith('!'))
        {
            var key = clause[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        var notIn = clause.IndexOf(" notin ", StringComparison.Ordinal);
        if (notIn > 0)
        {
            var key = clause[..notIn].Trim();
            var values = SetValues(clause[(notIn + 7)..]);
            return labels => !labels.TryGetValue(key, out var actual) || !values.Contains(actual);
        }

        var inIndex = clause.IndexOf(" in ", StringComparison.Ordinal);
        if (inIndex > 0)
        {
            var key = clause[..inIndex].Trim();
            var values = SetValues(clause[(inIndex + 4)..]);
            return labels => labels.TryGetValue(key, out var actual) && values.Contains(actual);
        }

        var notEquals = clause.IndexOf("!=", StringComparison.Ordinal);
        if (notEquals > 0)
        {
            var key = clause[..notEquals].Trim();
            var value = clause[(notEquals + 2)..].Trim();
            return labels => !labels.TryGetValue(key, out var actual) || actual != value;
        }

        var equals = clause.IndexOf('=');
        if (equals > 0)
        {
            var key = clause[..equals].Trim();
            var value = clause[(equals + 1)..].TrimStart('=').Trim();
            return labels => labels.TryGetValue(key, out var actual) && actual == value;
        }

        if (clause.Length == 0 || clause.Contains(' ', StringComparison.Ordinal))
        {
            throw ApiError.BadRequest($"unable to parse requirement: found '{clause}', expected: identifier");
        }

        return labels => labels.ContainsKey(clause);
    }

    private static HashSet<string> SetValues(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith('(') || !trimmed.EndsWith(')'))
        {
            throw ApiError.BadRequest($"unable to parse requirement: found '{trimmed}', expected: '('");
        }

        return trimmed[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Splits on commas that are not inside a parenthesised value set.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
