using System.Text.Json.Nodes;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// The RFC 6902 patch that turns one JSON document into another: mutators change a copy of the
/// object, and this says what changed, so no mutator writes patch operations by hand. Objects are
/// compared member by member; arrays and scalars that differ are replaced whole.
/// </summary>
internal static class JsonPatchDiff
{
    public static JsonArray Diff(JsonNode? before, JsonNode? after)
    {
        var operations = new JsonArray();
        Walk(before, after, "", operations);
        return operations;
    }

    private static void Walk(JsonNode? before, JsonNode? after, string path, JsonArray operations)
    {
        if (before is JsonObject oldObject && after is JsonObject newObject)
        {
            foreach (var (key, value) in oldObject)
            {
                if (!newObject.ContainsKey(key))
                {
                    operations.Add(new JsonObject { ["op"] = "remove", ["path"] = $"{path}/{Escape(key)}" });
                }
                else
                {
                    Walk(value, newObject[key], $"{path}/{Escape(key)}", operations);
                }
            }

            foreach (var (key, value) in newObject)
            {
                if (!oldObject.ContainsKey(key))
                {
                    operations.Add(new JsonObject { ["op"] = "add", ["path"] = $"{path}/{Escape(key)}", ["value"] = value?.DeepClone() });
                }
            }

            return;
        }

        if (!JsonNode.DeepEquals(before, after))
        {
            operations.Add(new JsonObject { ["op"] = "replace", ["path"] = path, ["value"] = after?.DeepClone() });
        }
    }

    // RFC 6901: '~' and '/' in a member name (annotation keys have '/').
    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
