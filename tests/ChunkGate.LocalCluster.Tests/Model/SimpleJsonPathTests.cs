using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Tests.Model;

public sealed class SimpleJsonPathTests
{
    private static readonly JsonNode Job = JsonNode.Parse("""
        {"status":{"conditions":[{"type":"Approved","status":"False"},{"type":"Ready","status":"True"}],"approvers":["bob","carol"]}}
        """)!;

    [TestCase(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [TestCase(".status.conditions[0].type", "Approved")]
    [TestCase(".status.approvers[*]", "bob carol")]
    [TestCase(".status.missing", "")]
    public void Evaluate_SupportsThePrinterColumnSubset(string path, string expected) =>
        string.Join(" ", SimpleJsonPath.Evaluate(Job, path).Select(ObjectFields.ScalarText)).Should().Be(expected);
}
