using System.Globalization;
using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Model;

/// <summary>Typed accessors over the untyped JSON objects the stand-in stores (every kind is kept as JSON).</summary>
internal static class ObjectFields
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string Name(JsonObject obj) => StringAt(obj["metadata"], "name") ?? "";

    public static string Namespace(JsonObject obj) => StringAt(obj["metadata"], "namespace") ?? "";

    public static string Uid(JsonObject obj) => StringAt(obj["metadata"], "uid") ?? "";

    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(StringAt(obj["metadata"], "resourceVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;

    public static bool IsBeingDeleted(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static IReadOnlyList<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray array
            ? array.Select(item => item?.GetValue<string>() ?? "").ToList()
            : [];

    public static void SetFinalizers(JsonObject obj, IEnumerable<string> finalizers)
    {
        var list = finalizers.ToList();
        var metadata = Metadata(obj);
        if (list.Count == 0)
        {
            metadata.Remove("finalizers");
        }
        else
        {
            metadata["finalizers"] = new JsonArray(list.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }
    }

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) => StringMap(obj["metadata"]?["labels"]);

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node)
    {
        if (node is not JsonObject map)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            result[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
        }

        return result;
    }

    public static string? StringAt(JsonNode? node, string property) =>
        node is JsonObject obj && obj[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>Follows a dotted path (<c>spec.nodeName</c>); returns null when any step is missing.</summary>
    public static JsonNode? At(JsonNode? node, string dottedPath)
    {
        var current = node;
        foreach (var part in dottedPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            current = current is JsonObject obj ? obj[part] : null;
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    public static string ScalarText(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when value.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => node.ToJsonString(),
    };

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>Deep equality of two JSON trees, ignoring property order (what "unchanged" means to the API server).</summary>
    public static bool SameJson(JsonNode? left, JsonNode? right) => JsonNode.DeepEquals(left, right);
}
