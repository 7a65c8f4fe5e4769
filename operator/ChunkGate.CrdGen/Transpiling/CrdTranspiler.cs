using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using ChunkGate.Api;
using ChunkGate.Api.Schema;

namespace ChunkGate.CrdGen.Transpiling;

/// <summary>
/// Pure: a ChunkGate kind (a <c>CustomResource&lt;Spec, Status&gt;</c> with its attributes) becomes an
/// apiextensions.k8s.io/v1 CustomResourceDefinition, as a JSON tree.
/// </summary>
internal static class CrdTranspiler
{
    public static JsonObject Transpile(Type kind)
    {
        var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{kind.Name} has no [KubernetesEntity] attribute.", nameof(kind));
        var specProperty = kind.GetProperty("Spec") ?? throw new ArgumentException($"{kind.Name} has no Spec.", nameof(kind));
        var statusProperty = kind.GetProperty("Status") ?? throw new ArgumentException($"{kind.Name} has no Status.", nameof(kind));

        var spec = SchemaBuilder.ForType(specProperty.PropertyType);
        var status = SchemaBuilder.ForType(statusProperty.PropertyType);
        var root = new JsonObject
        {
            ["description"] = entity.Description,
            ["type"] = "object",
            ["required"] = new JsonArray("spec"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["description"] = "Versioned schema of this object: chunkgate.io/v1alpha1.", ["type"] = "string" },
                ["kind"] = new JsonObject { ["description"] = "Kind of this object.", ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = Described(spec, "Desired state, written by people (or GitOps)."),
                ["status"] = Described(status, statusProperty.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "Observed state."),
            },
        };

        var printerColumns = new JsonArray();
        foreach (var column in kind.GetCustomAttributes<PrinterColumnAttribute>().OrderBy(c => c.Order))
        {
            var printed = new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type.ToString().ToLowerInvariant(),
                ["jsonPath"] = column.JsonPath,
            };
            if (column.Description.Length > 0)
            {
                printed["description"] = column.Description;
            }

            if (column.Priority != 0)
            {
                printed["priority"] = column.Priority;
            }

            printerColumns.Add(printed);
        }

        var names = new JsonObject
        {
            ["kind"] = entity.Kind,
            ["listKind"] = entity.Kind + "List",
            ["plural"] = entity.Plural,
            ["singular"] = entity.Singular,
        };
        if (entity.ShortNames.Length > 0)
        {
            names["shortNames"] = new JsonArray(entity.ShortNames.Select(n => (JsonNode)n).ToArray());
        }

        if (entity.Categories.Length > 0)
        {
            names["categories"] = new JsonArray(entity.Categories.Select(n => (JsonNode)n).ToArray());
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{entity.Plural}.{ApiGroup.Name}",
                ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = "chunkgate" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = ApiGroup.Name,
                ["names"] = names,
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = ApiGroup.Version,
                    ["served"] = true,
                    ["storage"] = true,
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                    ["additionalPrinterColumns"] = printerColumns,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = root },
                }),
            },
        };
    }

    /// <summary>The file a kind's CRD is written to: <c>&lt;plural&gt;.chunkgate.io.yaml</c>.</summary>
    public static string FileName(Type kind) =>
        $"{kind.GetCustomAttribute<KubernetesEntityAttribute>()!.Plural}.{ApiGroup.Name}.yaml";

    private static JsonObject Described(JsonObject schema, string description)
    {
        var described = new JsonObject { ["description"] = description };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            described[key] = value;
        }

        return described;
    }
}
