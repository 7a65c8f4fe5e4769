using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Schema;

/// <summary>One way an object breaks its CRD's structural schema, with the Kubernetes field path and message.</summary>
internal sealed record SchemaProblem(string Path, string Reason, string Message);

/// <summary>Checks a custom resource against its version's openAPIV3Schema (types, required, enum, pattern, bounds).</summary>
internal interface ISchemaValidator
{
    IReadOnlyList<SchemaProblem> Validate(JsonNode schema, JsonNode? value);
}
