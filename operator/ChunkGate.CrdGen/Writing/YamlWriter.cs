using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace ChunkGate.CrdGen.Writing;

/// <summary>Deterministic YAML for a JSON tree: key order kept, strings quoted only where YAML would misread them.</summary>
internal static class YamlWriter
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithIndentedSequences()
        .DisableAliases()
        .Build();

    public static string Write(JsonNode node, string headerComment)
    {
        var header = string.Join('\n', headerComment.Split('\n').Select(line => "# " + line)) + "\n";
        return header + Serializer.Serialize(ToPlain(node));
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.Aggregate(new OrderedDictionary<string, object?>(), (map, member) =>
        {
            map.Add(member.Key, ToPlain(member.Value));
            return map;
        }),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => value.TryGetValue<long>(out var integer) ? integer
                : value.TryGetValue<int>(out var small) ? small : value.GetValue<double>(),
            _ => null,
        },
        _ => throw new NotSupportedException(node.GetType().Name),
    };
}
