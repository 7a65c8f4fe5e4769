using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Api.Hashing;
using ChunkGate.Operator.Admission;
using ChunkGate.Kubernetes.Json;

namespace ChunkGate.Operator.Webhooks;

/// <summary>Reading the raw objects of a review: typed views, the designer annotation, spec hashes as stored.</summary>
internal static class ReviewedObjects
{
    /// <summary>The typed view, or the one sentence that says which field has a value of the wrong type.</summary>
    public static bool TryTyped<T>(JsonObject node, out T typed, out string? problem)
        where T : class
    {
        try
        {
            // From the tree directly, with the client's settings: no JSON text in between.
            typed = node.Deserialize<T>(KubernetesJsonOptions.Default)!;
            problem = null;
            return true;
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            typed = null!;
            problem = WrongTypes.Describe<T>(node, error);
            return false;
        }
    }

    public static string? Designer(JsonObject? node) =>
        node?["metadata"]?["annotations"]?[AdmissionAnnotations.Designer] is JsonValue value && value.TryGetValue<string>(out var designer) ? designer : null;

    /// <summary>A copy of <paramref name="node"/> with the designer annotation set.</summary>
    public static JsonObject WithDesigner(JsonObject node, string designer)
    {
        var copy = (JsonObject)node.DeepClone();
        if (copy["metadata"] is not JsonObject metadata)
        {
            copy["metadata"] = metadata = [];
        }

        if (metadata["annotations"] is not JsonObject annotations)
        {
            metadata["annotations"] = annotations = [];
        }

        annotations[AdmissionAnnotations.Designer] = designer;
        return copy;
    }

    public static string SpecHashOf(JsonObject? node) => SpecHash.Compute(node?["spec"]);

    public static bool SameJson(JsonNode? a, JsonNode? b) => CanonicalJson.Write(a) == CanonicalJson.Write(b);
}
