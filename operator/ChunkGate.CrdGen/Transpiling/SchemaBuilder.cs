using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChunkGate.Api.Meta;
using ChunkGate.Api.Schema;
using RangeAttribute = ChunkGate.Api.Schema.RangeAttribute;
using RequiredAttribute = ChunkGate.Api.Schema.RequiredAttribute;

namespace ChunkGate.CrdGen.Transpiling;

/// <summary>Turns C# API types into OpenAPI v3 structural schemas, driven by the attributes in ChunkGate.Api.Schema.</summary>
internal static class SchemaBuilder
{
    public static JsonObject ForType(Type type) => ForObject(type);

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static JsonObject ForObject(Type type)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            var name = JsonName(property);
            properties[name] = ForProperty(property);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        return schema;
    }

    private static JsonObject ForProperty(PropertyInfo property)
    {
        var schema = ForClrType(property.PropertyType);
        var ordered = new JsonObject();
        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            ordered["description"] = description.Description;
        }

        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            ordered[key] = value;
        }

        if (property.GetCustomAttribute<DefaultAttribute>() is { } defaultValue)
        {
            ordered["default"] = JsonValue.Create(defaultValue.Value);
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            ordered["pattern"] = pattern.Regex;
        }

        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            ordered["minimum"] = range.Minimum;
            if (range.Maximum != long.MaxValue)
            {
                ordered["maximum"] = range.Maximum;
            }
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            if (length.Minimum > 0)
            {
                ordered["minLength"] = length.Minimum;
            }

            ordered["maxLength"] = length.Maximum;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            if (items.Minimum > 0)
            {
                ordered["minItems"] = items.Minimum;
            }

            ordered["maxItems"] = items.Maximum;
            if (items.Unique)
            {
                ordered["x-kubernetes-list-type"] = "set";
            }
        }

        if (property.GetCustomAttribute<ItemPatternAttribute>() is { } itemPattern && ordered["items"] is JsonObject itemSchema)
        {
            itemSchema["pattern"] = itemPattern.Regex;
        }

        if (property.GetCustomAttribute<ListMapKeyAttribute>() is { } mapKey)
        {
            ordered["x-kubernetes-list-type"] = "map";
            ordered["x-kubernetes-list-map-keys"] = new JsonArray(mapKey.Key);
        }

        return ordered;
    }

    private static JsonObject ForClrType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(int))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(double))
        {
            return new JsonObject { ["type"] = "number" };
        }

        if (type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type.IsEnum)
        {
            var values = new JsonArray();
            foreach (var name in Enum.GetNames(type))
            {
                values.Add(WireName.Of(type, name));
            }

            return new JsonObject { ["type"] = "string", ["enum"] = values };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ForClrType(type.GetGenericArguments()[1]) };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return new JsonObject { ["type"] = "array", ["items"] = ForClrType(type.GetGenericArguments()[0]) };
        }

        if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            throw new NotSupportedException($"Collection type {type} has no schema mapping; use List<T> or Dictionary<string, T>.");
        }

        if (type.IsClass)
        {
            return ForObject(type);
        }

        throw new NotSupportedException($"Type {type} has no schema mapping.");
    }
}
