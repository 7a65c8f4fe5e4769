using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ChunkGate.LocalCluster.Schema;

/// <summary>
/// The stand-in's own structural-schema checks (type, required, enum, pattern, numeric and length
/// bounds) with the messages k8s.io/kube-openapi's validator produces. Used unless a fuller
/// validator is plugged in through <see cref="ISchemaValidator"/>.
/// </summary>
internal sealed class BasicSchemaValidator : ISchemaValidator
{
    public IReadOnlyList<SchemaProblem> Validate(JsonNode schema, JsonNode? value)
    {
        var problems = new List<SchemaProblem>();
        Check(schema, value, "", problems, isRoot: true);
        return problems;
    }

    private static void Check(JsonNode schema, JsonNode? value, string path, List<SchemaProblem> problems, bool isRoot)
    {
        if (value is null)
        {
            return;
        }

        var type = schema["type"]?.GetValue<string>();
        var intOrString = schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var actual = KindOf(value);
        if (type is not null && !intOrString && !Compatible(type, actual, value))
        {
            problems.Add(new(path, "FieldValueInvalid", $"Invalid value: \"{actual}\": {path} in body must be of type {type}: \"{actual}\""));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var supported = string.Join(", ", allowed.Select(a => a?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })));
            problems.Add(new(path, "FieldValueNotSupported", $"Unsupported value: {Show(value)}: supported values: {supported}"));
        }

        if (value is JsonValue scalar && scalar.TryGetValue<string>(out var text))
        {
            if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                problems.Add(new(path, "FieldValueInvalid", $"Invalid value: \"{text}\": {path} in body should match '{pattern}'"));
            }

            if (schema["maxLength"] is { } maxLength && text.Length > Number(maxLength))
            {
                problems.Add(new(path, "FieldValueTooLong", $"Too long: may not be more than {Number(maxLength)} bytes"));
            }

            if (schema["minLength"] is { } minLength && text.Length < Number(minLength))
            {
                problems.Add(new(path, "FieldValueInvalid", $"Invalid value: \"{text}\": {path} in body should be at least {Number(minLength)} chars long"));
            }
        }

        if (actual is "integer" or "number")
        {
            var number = Number(value);
            if (schema["minimum"] is { } minimum && number < Number(minimum))
            {
                problems.Add(new(path, "FieldValueInvalid", $"Invalid value: {Show(value)}: {path} in body should be greater than or equal to {minimum.ToJsonString()}"));
            }

            if (schema["maximum"] is { } maximum && number > Number(maximum))
            {
                problems.Add(new(path, "FieldValueInvalid", $"Invalid value: {Show(value)}: {path} in body should be less than or equal to {maximum.ToJsonString()}"));
            }
        }

        if (value is JsonObject obj)
        {
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                var name = required?.GetValue<string>() ?? "";
                if (!obj.ContainsKey(name) && !(isRoot && name is "apiVersion" or "kind" or "metadata"))
                {
                    problems.Add(new(Join(path, name), "FieldValueRequired", "Required value"));
                }
            }

            if (schema["properties"] is JsonObject properties)
            {
                foreach (var (name, child) in obj)
                {
                    if (!(isRoot && name is "apiVersion" or "kind" or "metadata") && properties[name] is { } childSchema)
                    {
                        Check(childSchema, child, Join(path, name), problems, isRoot: false);
                    }
                }
            }
            else if (schema["additionalProperties"] is JsonObject valueSchema)
            {
                foreach (var (name, child) in obj)
                {
                    Check(valueSchema, child, Join(path, name), problems, isRoot: false);
                }
            }
        }

        if (value is JsonArray array)
        {
            if (schema["maxItems"] is { } maxItems && array.Count > Number(maxItems))
            {
                problems.Add(new(path, "FieldValueTooMany", $"Too many: {array.Count}: must have at most {Number(maxItems)} items"));
            }

            if (schema["minItems"] is { } minItems && array.Count < Number(minItems))
            {
                problems.Add(new(path, "FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {Number(minItems)} items"));
            }

            if (schema["items"] is JsonObject itemSchema)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Check(itemSchema, array[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), problems, isRoot: false);
                }
            }
        }
    }

    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string KindOf(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString().Contains('.', StringComparison.Ordinal) ? "number" : "integer",
        _ => "null",
    };

    private static bool Compatible(string declared, string actual, JsonNode value) =>
        declared == actual || (declared == "number" && actual == "integer") || (declared == "integer" && actual == "number" && Number(value) % 1 == 0);

    private static string Show(JsonNode value) => value is JsonValue v && v.TryGetValue<string>(out var s) ? $"\"{s}\"" : value.ToJsonString();

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
