using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChunkGate.Kubectl.Cli;
using k8s;

namespace ChunkGate.Kubectl.Output;

/// <summary><c>-o</c>: text for people (tables, descriptions) or a document for programs.</summary>
internal enum OutputFormat
{
    Text,
    Json,
    Yaml,
}

internal static class StructuredOutput
{
    /// <summary>Our own documents: camelCase, nulls omitted, enums as their names.</summary>
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static OutputFormat Parse(string? value) => value switch
    {
        null => OutputFormat.Text,
        "json" => OutputFormat.Json,
        "yaml" => OutputFormat.Yaml,
        _ => throw CommandFailure.Usage($"unable to match a printer suitable for the output format \"{value}\", allowed formats are: json, yaml"),
    };

    /// <summary>Kubernetes objects go through the official client's serializer, so they read as kubectl prints them.</summary>
    public static JsonNode? ToNode(object value) => value is IKubernetesObject
        ? JsonNode.Parse(KubernetesJson.Serialize(value))
        : JsonSerializer.SerializeToNode(value, value.GetType(), Options);

    public static void Write(TextWriter output, OutputFormat format, object value)
    {
        var node = ToNode(value);
        if (format == OutputFormat.Yaml)
        {
            YamlText.Write(output, node);
            return;
        }

        output.WriteLine(node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null");
    }
}
