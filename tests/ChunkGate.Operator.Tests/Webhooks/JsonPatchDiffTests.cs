using System.Text.Json.Nodes;
using ChunkGate.Operator.Webhooks;

namespace ChunkGate.Operator.Tests.Webhooks;

public sealed class JsonPatchDiffTests
{
    [TestCase("""{"a":1}""", """{"a":1}""", "[]")]
    [TestCase("""{"a":1}""", """{"a":2}""", """[{"op":"replace","path":"/a","value":2}]""")]
    [TestCase("""{"a":1}""", """{"a":1,"b":{"c":"x"}}""", """[{"op":"add","path":"/b","value":{"c":"x"}}]""")]
    [TestCase("""{"a":1,"b":2}""", """{"a":1}""", """[{"op":"remove","path":"/b"}]""")]
    [TestCase("""{"metadata":{"annotations":{"chunkgate.io/designer":"dave"}}}""", """{"metadata":{"annotations":{"chunkgate.io/designer":"alice"}}}""",
        """[{"op":"replace","path":"/metadata/annotations/chunkgate.io~1designer","value":"alice"}]""")]
    [TestCase("""{"k~":[1,2]}""", """{"k~":[1,3]}""", """[{"op":"replace","path":"/k~0","value":[1,3]}]""")]
    public void Diff_IsTheSmallestPatchByMember(string before, string after, string patch)
    {
        JsonPatchDiff.Diff(JsonNode.Parse(before), JsonNode.Parse(after)).ToJsonString().Should().Be(patch);
    }
}
