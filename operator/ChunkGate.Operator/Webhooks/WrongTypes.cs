using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ChunkGate.Kubernetes.Json;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// Says which field of a reviewed object has a value of the wrong type (<c>ttl: 5</c>,
/// <c>tables: "x"</c>), in one sentence, instead of the serializer's internal error. Each part of
/// the object (metadata, spec, status) is read alone, so the path names the field from the top.
/// </summary>
internal static partial class WrongTypes
{
    private static readonly string[] Parts = ["metadata", "spec", "status"];

    /// <summary>The problem with <paramref name="node"/> as a <typeparamref name="T"/>: "spec.ttl must be a string, got 5".</summary>
    public static string Describe<T>(JsonObject node, Exception error)
    {
        foreach (var part in Parts)
        {
            if (node[part] is not { } value || typeof(T).GetProperty(char.ToUpperInvariant(part[0]) + part[1..]) is not { } property)
            {
                continue;
            }

            try
            {
                JsonSerializer.Deserialize(value.ToJsonString(), property.PropertyType, KubernetesJsonOptions.Default);
            }
            catch (JsonException wrong)
            {
                var path = part + (wrong.Path ?? "$")[1..];
                return $"{path} must be {Expected(wrong.Message)}, got {Got(value, wrong.Path)}";
            }
            catch (FormatException wrong)
            {
                return $"{part} has a value in the wrong format: {wrong.Message}";
            }
        }

        return $"the object cannot be read: {error.Message}";
    }

    private static string Expected(string message) => ConvertedTo().Match(message) is { Success: true } match
        ? match.Groups["type"].Value switch
        {
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" or "System.Nullable`1[System.Int64]" => "a whole number",
            "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
            var type when type.StartsWith("System.Collections.Generic.List`1", StringComparison.Ordinal)
                || type.StartsWith("System.Collections.Generic.IList`1", StringComparison.Ordinal)
                || type.StartsWith("System.Collections.Generic.IReadOnlyList`1", StringComparison.Ordinal) => "a list",
            var type when type.StartsWith("System.Collections.Generic.IDictionary`2", StringComparison.Ordinal)
                || type.StartsWith("System.Collections.Generic.Dictionary`2", StringComparison.Ordinal) => "a map",
            var type when FindType(type) is { IsEnum: true } enumeration => "one of " + string.Join(", ", EnumNames(enumeration)),
            _ => "an object",
        }
        : "of another type";

    private static Type? FindType(string name) =>
        typeof(ChunkGate.Api.ApiGroup).Assembly.GetType(name) ?? Type.GetType(name);

    private static IEnumerable<string> EnumNames(Type enumeration) =>
        enumeration.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name);

    /// <summary>The offending value, found by the serializer's path ($.a.b[0]) under the part.</summary>
    private static string Got(JsonNode part, string? path)
    {
        var node = (JsonNode?)part;
        foreach (Match step in PathStep().Matches(path ?? ""))
        {
            node = step.Groups["index"].Success
                ? node is JsonArray array && int.TryParse(step.Groups["index"].Value, out var i) && i < array.Count ? array[i] : null
                : node is JsonObject obj ? obj[step.Groups["name"].Value] : null;
        }

        return node switch
        {
            JsonObject => "an object",
            JsonArray => "a list",
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.ToJsonString(),
            null => "null",
            _ => node.ToJsonString(),
        };
    }

    [GeneratedRegex(@"converted to (?<type>\S+?)\. Path:")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}
