using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Selectors;

/// <summary>
/// A field selector (<c>metadata.name=x,status.phase!=Running</c>). Like the real server, only the
/// fields each kind indexes are accepted; anything else is a 400 "field label not supported".
/// </summary>
internal sealed class FieldSelector
{
    private static readonly string[] CommonFields = ["metadata.name", "metadata.namespace"];

    private static readonly Dictionary<string, string[]> FieldsByStorageKey = new(StringComparer.Ordinal)
    {
        ["/pods"] = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"],
        ["/events"] = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
            "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
        ["/secrets"] = ["type"],
        ["/namespaces"] = ["status.phase"],
    };

    private readonly List<(string Field, string Value, bool Equal)> requirements = [];

    public static readonly FieldSelector Everything = new();

    public bool IsEmpty => requirements.Count == 0;

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        FieldsByStorageKey.TryGetValue(type.StorageKey, out var extra);
        foreach (var clause in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEquals = clause.IndexOf("!=", StringComparison.Ordinal);
            var equals = clause.IndexOf('=');
            var (field, value, equal) = notEquals > 0
                ? (clause[..notEquals], clause[(notEquals + 2)..], false)
                : equals > 0
                    ? (clause[..equals], clause[(equals + 1)..].TrimStart('='), true)
                    : throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{clause}'");
            if (!CommonFields.Contains(field) && !(extra?.Contains(field) ?? false))
            {
                throw ApiError.BadRequest($"field label not supported: {field}");
            }

            selector.requirements.Add((field, value, equal));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => requirements.All(r =>
    {
        var actual = r.Field == "source" ? ObjectFields.ScalarText(ObjectFields.At(obj, "source.component")) : ObjectFields.ScalarText(ObjectFields.At(obj, r.Field));
        return (actual == r.Value) == r.Equal;
    });
}
