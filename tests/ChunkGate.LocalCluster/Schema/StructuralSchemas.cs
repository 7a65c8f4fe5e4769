using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Schema;

/// <summary>
/// What the API server does to a custom resource before validating it: prune fields the schema does
/// not declare (reporting them, so <c>fieldValidation=Strict</c> can reject instead) and apply defaults.
/// </summary>
internal static class StructuralSchemas
{
    private static readonly HashSet<string> RootFields = new(StringComparer.Ordinal) { "apiVersion", "kind", "metadata" };

    /// <summary>Removes undeclared fields in place; returns their paths (<c>spec.foo</c>).</summary>
    public static IReadOnlyList<string> Prune(JsonNode schema, JsonObject obj)
    {
        var unknown = new List<string>();
        PruneNode(schema, obj, "", unknown, isRoot: true);
        return unknown;
    }

    public static void ApplyDefaults(JsonNode schema, JsonNode? value)
    {
        if (value is JsonObject obj && schema["properties"] is JsonObject properties)
        {
            foreach (var (name, propertySchema) in properties)
            {
                if (propertySchema is null)
                {
                    continue;
                }

                if (!obj.ContainsKey(name) && propertySchema["default"] is { } defaultValue)
                {
                    obj[name] = defaultValue.DeepClone();
                }

                ApplyDefaults(propertySchema, obj[name]);
            }
        }
        else if (value is JsonObject map && schema["additionalProperties"] is JsonObject valueSchema)
        {
            foreach (var (_, child) in map)
            {
                ApplyDefaults(valueSchema, child);
            }
        }
        else if (value is JsonArray array && schema["items"] is JsonObject itemSchema)
        {
            foreach (var item in array)
            {
                ApplyDefaults(itemSchema, item);
            }
        }
    }

    private static void PruneNode(JsonNode schema, JsonNode? value, string path, List<string> unknown, bool isRoot)
    {
        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true && schema["properties"] is null)
        {
            return;
        }

        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (isRoot && RootFields.Contains(name))
                    {
                        continue;
                    }

                    if (properties[name] is { } propertySchema)
                    {
                        PruneNode(propertySchema, obj[name], Join(path, name), unknown, isRoot: false);
                    }
                    else if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true)
                    {
                        unknown.Add(Join(path, name));
                        obj.Remove(name);
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject valueSchema:
                foreach (var (name, child) in map.ToList())
                {
                    PruneNode(valueSchema, child, Join(path, name), unknown, isRoot: false);
                }

                break;
            case JsonObject obj when schema["additionalProperties"] is null && schema["type"]?.GetValue<string>() == "object" && !isRoot:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    unknown.Add(Join(path, name));
                    obj.Remove(name);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject itemSchema:
                for (var i = 0; i < array.Count; i++)
                {
                    PruneNode(itemSchema, array[i], $"{path}[{i}]", unknown, isRoot: false);
                }

                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
