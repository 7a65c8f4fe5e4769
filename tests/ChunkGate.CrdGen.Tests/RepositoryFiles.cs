using System.Text.Json.Nodes;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.CrdGen.Tests;

/// <summary>Files of this checkout, read as the cluster would read them.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = CrdFiles.FindRepositoryRoot(TestContext.CurrentContext.TestDirectory);

    public static JsonNode Crd(string plural) =>
        YamlJson.ParseSingle(File.ReadAllText(Path.Combine(Root, "crds", $"{plural}.chunkgate.io.yaml")));

    public static JsonNode OpenApiSchema(string plural) =>
        Crd(plural)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    public static JsonNode SpecSchema(string plural) => OpenApiSchema(plural)["properties"]!["spec"]!;
}
