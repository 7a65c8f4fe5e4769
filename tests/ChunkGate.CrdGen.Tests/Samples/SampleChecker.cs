using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using k8s;
using ChunkGate.Api.Validation;
using ChunkGate.Testing.Schema;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.CrdGen.Tests.Samples;

/// <summary>
/// Checks manifests the way a cluster with ChunkGate would: the CRD's structural schema first
/// (strict field validation, as kubectl requests by default), then the C# rules, including the
/// ones that need the referenced DataConnection.
/// </summary>
internal static class SampleChecker
{
    private static readonly Dictionary<string, string> PluralByKind = new()
    {
        ["DataConnection"] = "dataconnections",
        ["ChunkJob"] = "chunkjobs",
        ["ChunkApproval"] = "chunkapprovals",
    };

    /// <summary>Every message for every document of the file, resolving references against <paramref name="connection"/>.</summary>
    public static IReadOnlyList<string> Check(string yaml, DataConnection connection)
    {
        var messages = new List<string>();
        foreach (var document in YamlJson.ParseDocuments(yaml))
        {
            messages.AddRange(CheckDocument(document, connection));
        }

        return messages;
    }

    private static IEnumerable<string> CheckDocument(JsonNode document, DataConnection connection)
    {
        var kind = document["kind"]?.GetValue<string>();
        if (document["apiVersion"]?.GetValue<string>() != Api.ApiGroup.ApiVersion || kind is null || !PluralByKind.TryGetValue(kind, out var plural))
        {
            yield return $"not a ChunkGate resource: apiVersion {document["apiVersion"]}, kind {kind}";
            yield break;
        }

        if (string.IsNullOrEmpty(document["metadata"]?["name"]?.GetValue<string>()))
        {
            yield return "metadata.name: Required value: name or generateName is required";
        }

        var violations = StructuralSchemaValidator.Validate(RepositoryFiles.OpenApiSchema(plural), document);
        foreach (var violation in violations)
        {
            yield return violation.Message;
        }

        if (violations.Count > 0)
        {
            // The API server stops at the schema; the typed rules below assume a well-formed object.
            yield break;
        }

        var result = kind switch
        {
            "DataConnection" => Combine(DataConnectionValidator.Validate(Read<DataConnection>(document))),
            "ChunkJob" => CheckJob(Read<ChunkJob>(document), connection),
            _ => CheckApproval(Read<ChunkApproval>(document), connection),
        };
        foreach (var error in result)
        {
            yield return error.ToString();
        }
    }

    public static DataConnection ReadConnection(string yaml) => Read<DataConnection>(YamlJson.ParseSingle(yaml));

    private static T Read<T>(JsonNode node) => KubernetesJson.Deserialize<T>(node);

    private static IEnumerable<FieldError> CheckJob(ChunkJob job, DataConnection connection) =>
        Combine(ChunkJobValidator.Validate(job), ChunkJobValidator.ValidateAgainst(job, connection));

    private static IEnumerable<FieldError> CheckApproval(ChunkApproval approval, DataConnection connection) =>
        Combine(ChunkApprovalValidator.Validate(approval), ChunkApprovalValidator.ValidateAgainst(approval, connection));

    private static IEnumerable<FieldError> Combine(params ValidationResult[] results) => results.SelectMany(r => r.Errors);
}
