using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ChunkGate.Testing.Yaml;

/// <summary>
/// Reads YAML manifests into JSON trees the way kubectl does (YAML 1.2 core schema: plain
/// <c>true</c>, <c>5432</c>, <c>null</c> are typed; quoted scalars are strings).
/// </summary>
public static partial class YamlJson
{
    /// <summary>Every non-empty document of a (possibly multi-document) YAML text.</summary>
    public static IReadOnlyList<JsonNode> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (Exception error) when (error is YamlException or InvalidOperationException)
        {
            // YamlDotNet's scanner throws InvalidOperationException on some malformed input.
            throw new FormatException($"invalid YAML: {error.Message}", error);
        }

        // Round-trip through the JSON parser so every value behaves like one read from a JSON request.
        return stream.Documents
            .Select(document => ToJson(document.RootNode))
            .Where(node => node is not null)
            .Select(node => JsonNode.Parse(node!.ToJsonString())!)
            .ToList();
    }

    /// <summary>A request body: JSON when it parses as JSON, otherwise YAML (first document), as the API server accepts both.</summary>
    public static JsonNode? ParseBody(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                // Flow-style YAML also starts with a brace: fall through.
            }
        }

        var documents = ParseDocuments(text);
        return documents.Count > 0 ? documents[0] : null;
    }

    public static JsonNode ParseSingle(string yaml)
    {
        var documents = ParseDocuments(yaml);
        return documents.Count == 1
            ? documents[0]
            : throw new FormatException($"expected one YAML document, found {documents.Count}");
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.Aggregate(new JsonObject(), (obj, pair) =>
        {
            var key = (pair.Key as YamlScalarNode ?? throw new FormatException($"invalid YAML: a mapping key must be a scalar at {pair.Key.Start}")).Value ?? "";
            if (obj.ContainsKey(key))
            {
                throw new FormatException($"duplicate key \"{key}\" at {pair.Key.Start}");
            }

            obj[key] = ToJson(pair.Value);
            return obj;
        }),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var explicitString = scalar.Tag is { IsEmpty: false, IsNonSpecific: false } tag && tag.Value == "tag:yaml.org,2002:str";
        if (scalar.Style != ScalarStyle.Plain || explicitString)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntegerRegex().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatRegex().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();
}
