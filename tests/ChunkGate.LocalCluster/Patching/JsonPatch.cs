using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Patching;

/// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>), also used for webhook patches.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiError.BadRequest("json patch must be an array of operations");
        }

        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var operation in operations)
        {
            var op = operation?["op"]?.GetValue<string>() ?? "";
            var path = operation?["path"]?.GetValue<string>() ?? throw ApiError.BadRequest("json patch operation without a path");
            switch (op)
            {
                case "add":
                    Add(root, path, operation!["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, operation!["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = operation!["from"]?.GetValue<string>() ?? throw ApiError.BadRequest("move without from");
                    var value = Remove(root, from);
                    Add(root, path, value);
                    break;
                }

                case "copy":
                {
                    var from = operation!["from"]?.GetValue<string>() ?? throw ApiError.BadRequest("copy without from");
                    Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), operation!["value"]))
                    {
                        throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                default:
                    throw ApiError.BadRequest($"Unexpected kind: {op}");
            }
        }

        return root["doc"]!;
    }

    private static (JsonNode Parent, string Token) Locate(JsonObject root, string path)
    {
        var tokens = ("/doc" + path).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        JsonNode current = root;
        foreach (var token in tokens.Take(tokens.Count - 1))
        {
            current = Child(current, token) ?? throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\"");
        }

        return (current, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject obj => obj[token],
        JsonArray array when int.TryParse(token, out var index) && index >= 0 && index < array.Count => array[index],
        _ => null,
    };

    private static JsonNode? Get(JsonObject root, string path)
    {
        var (parent, token) = Locate(root, path);
        return Child(parent, token);
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, token) = Locate(root, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[token] = value;
                break;
            case JsonArray array when token == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(token, out var index) && index >= 0 && index <= array.Count:
                array.Insert(index, value);
                break;
            default:
                throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: add operation does not apply: doc is missing path: \"{path}\"");
        }
    }

    private static JsonNode? Remove(JsonObject root, string path)
    {
        var (parent, token) = Locate(root, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(token):
            {
                var value = obj[token];
                obj.Remove(token);
                return value;
            }

            case JsonArray array when int.TryParse(token, out var index) && index >= 0 && index < array.Count:
            {
                var value = array[index];
                array.RemoveAt(index);
                return value;
            }

            default:
                throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: \"{path}\"");
        }
    }
}
