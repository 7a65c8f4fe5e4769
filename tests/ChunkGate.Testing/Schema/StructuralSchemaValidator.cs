using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ChunkGate.Testing.Schema;

/// <summary>
/// Validates a JSON value against an OpenAPI v3 structural schema (a CRD's <c>openAPIV3Schema</c>)
/// the way the API server does for custom resources: types, required, enum, pattern, bounds on
/// numbers, lengths and items, <c>x-kubernetes-list-type</c> set/map uniqueness, and unknown fields.
/// Messages follow the API server's wording so tests can compare them with what kubectl prints.
/// <c>metadata</c> at the root is left to the metadata rules, as the API server does.
/// </summary>
public static class StructuralSchemaValidator
{
    public static IReadOnlyList<SchemaViolation> Validate(JsonNode schema, JsonNode? value)
    {
        var violations = new List<SchemaViolation>();
        ValidateNode(schema, value, "", violations, isRoot: true);
        return violations;
    }

    private static void ValidateNode(JsonNode schema, JsonNode? value, string path, List<SchemaViolation> violations, bool isRoot = false)
    {
        if (value is null)
        {
            // Explicit nulls are dropped unless the schema says nullable; absent is not a violation here.
            return;
        }

        var type = schema["type"]?.GetValue<string>();
        if (type is not null && !HasType(value, type, schema["format"]?.GetValue<string>()))
        {
            violations.Add(new SchemaViolation(path, SchemaViolationKind.TypeInvalid,
                $"{path}: Invalid value: \"{JsonKind(value)}\": {path} in body must be of type {type}: \"{JsonKind(value)}\""));
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(schema, obj, path, violations, isRoot);
                break;
            case JsonArray array:
                ValidateArray(schema, array, path, violations);
                break;
            case JsonValue scalar:
                ValidateScalar(schema, scalar, path, violations);
                break;
        }
    }

    private static void ValidateObject(JsonNode schema, JsonObject obj, string path, List<SchemaViolation> violations, bool isRoot)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(n => n!.GetValue<string>()))
            {
                if (!obj.ContainsKey(name) || obj[name] is null)
                {
                    violations.Add(new SchemaViolation(Join(path, name), SchemaViolationKind.Required, $"{Join(path, name)}: Required value"));
                }
            }
        }

        foreach (var (name, child) in obj)
        {
            var childPath = Join(path, name);
            if (isRoot && name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties?[name] is JsonNode childSchema)
            {
                ValidateNode(childSchema, child, childPath, violations);
            }
            else if (additional is JsonObject additionalSchema)
            {
                ValidateNode(additionalSchema, child, childPath, violations);
            }
            else if (!preserveUnknown && !(additional is JsonValue allowed && allowed.GetValue<bool>()))
            {
                violations.Add(new SchemaViolation(childPath, SchemaViolationKind.UnknownField, $"unknown field \"{childPath}\""));
            }
        }
    }

    private static void ValidateArray(JsonNode schema, JsonArray array, string path, List<SchemaViolation> violations)
    {
        if (schema["minItems"] is JsonNode minItems && array.Count < Element(minItems).GetInt64())
        {
            violations.Add(new SchemaViolation(path, SchemaViolationKind.Invalid,
                $"{path}: Invalid value: {array.Count}: {path} in body should have at least {Element(minItems).GetInt64()} items"));
        }

        if (schema["maxItems"] is JsonNode maxItems && array.Count > Element(maxItems).GetInt64())
        {
            violations.Add(new SchemaViolation(path, SchemaViolationKind.TooMany,
                $"{path}: Too many: {array.Count}: must have at most {Element(maxItems).GetInt64()} items"));
        }

        var listType = schema["x-kubernetes-list-type"]?.GetValue<string>();
        var mapKeys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (schema["items"] is JsonNode itemSchema)
            {
                ValidateNode(itemSchema, array[i], itemPath, violations);
            }

            string? identity = listType switch
            {
                "set" => array[i]?.ToJsonString(),
                "map" when mapKeys is not null && array[i] is JsonObject item =>
                    string.Join(",", mapKeys.Select(key => item[key]?.ToJsonString() ?? "null")),
                _ => null,
            };
            if (identity is not null && !seen.Add(identity))
            {
                var shown = listType == "set" ? array[i]!.ToJsonString() : "map[" + identity + "]";
                violations.Add(new SchemaViolation(itemPath, SchemaViolationKind.Duplicate, $"{itemPath}: Duplicate value: {shown}"));
            }
        }
    }

    private static void ValidateScalar(JsonNode schema, JsonValue scalar, string path, List<SchemaViolation> violations)
    {
        var kind = scalar.GetValueKind();
        if (schema["enum"] is JsonArray allowed && !allowed.Any(option => JsonNode.DeepEquals(option, scalar)))
        {
            var supported = string.Join(", ", allowed.Select(option => option!.ToJsonString()));
            violations.Add(new SchemaViolation(path, SchemaViolationKind.NotSupported,
                $"{path}: Unsupported value: {scalar.ToJsonString()}: supported values: {supported}"));
        }

        if (kind == JsonValueKind.String)
        {
            var text = scalar.GetValue<string>();
            var quoted = scalar.ToJsonString();
            if (schema["maxLength"] is JsonNode maxLength && CodePoints(text) > Element(maxLength).GetInt64())
            {
                violations.Add(new SchemaViolation(path, SchemaViolationKind.TooLong,
                    $"{path}: Too long: may not be longer than {Element(maxLength).GetInt64()}"));
            }

            if (schema["minLength"] is JsonNode minLength && CodePoints(text) < Element(minLength).GetInt64())
            {
                violations.Add(new SchemaViolation(path, SchemaViolationKind.Invalid,
                    $"{path}: Invalid value: {quoted}: {path} in body should be at least {Element(minLength).GetInt64()} chars long"));
            }

            if (schema["pattern"] is JsonNode pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                violations.Add(new SchemaViolation(path, SchemaViolationKind.Invalid,
                    $"{path}: Invalid value: {quoted}: {path} in body should match '{pattern.GetValue<string>()}'"));
            }
        }
        else if (kind == JsonValueKind.Number)
        {
            var number = Element(scalar).GetDouble();
            var shown = scalar.ToJsonString();
            if (schema["minimum"] is JsonNode minimum && number < Element(minimum).GetDouble())
            {
                violations.Add(new SchemaViolation(path, SchemaViolationKind.Invalid,
                    $"{path}: Invalid value: {shown}: {path} in body should be greater than or equal to {minimum.ToJsonString()}"));
            }

            if (schema["maximum"] is JsonNode maximum && number > Element(maximum).GetDouble())
            {
                violations.Add(new SchemaViolation(path, SchemaViolationKind.Invalid,
                    $"{path}: Invalid value: {shown}: {path} in body should be less than or equal to {maximum.ToJsonString()}"));
            }
        }
    }

    private static bool HasType(JsonNode value, string type, string? format) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue s && s.GetValueKind() == JsonValueKind.String && HasFormat(s.GetValue<string>(), format),
        "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => value is JsonValue i && i.GetValueKind() == JsonValueKind.Number && Element(i).TryGetInt64(out _),
        "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
        _ => true,
    };

    private static bool HasFormat(string text, string? format) => format switch
    {
        "date-time" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _) && text.Contains('T', StringComparison.Ordinal),
        _ => true,
    };

    private static string JsonKind(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => Element(v).TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };

    // Nodes built in code or from YAML hold CLR values, not JsonElements; serialise to read them uniformly.
    private static JsonElement Element(JsonNode node) =>
        node is JsonValue value && value.TryGetValue<JsonElement>(out var element) ? element : JsonSerializer.SerializeToElement(node);

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>Length in Unicode code points, as the API server counts for maxLength.</summary>
    private static long CodePoints(string text) => text.EnumerateRunes().LongCount();
}
