using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Patching;

namespace ChunkGate.LocalCluster.Tests.Patching;

public sealed class PatchTests
{
    [Test]
    public void MergePatch_NullDeletes_ObjectsMerge_ArraysReplace()
    {
        var target = JsonNode.Parse("""{"a":1,"b":{"c":2,"d":3},"list":[1,2]}""");

        var result = JsonMergePatch.Apply(target, JsonNode.Parse("""{"a":null,"b":{"c":9},"list":[3]}"""));

        result!.ToJsonString().Should().Be("""{"b":{"c":9,"d":3},"list":[3]}""");
    }

    [Test]
    public void JsonPatch_TestFailure_Is422()
    {
        var apply = () => JsonPatch.Apply(JsonNode.Parse("""{"a":1}""")!, JsonNode.Parse("""[{"op":"test","path":"/a","value":2}]"""));

        apply.Should().Throw<Api.ApiError>().Which.Code.Should().Be(422);
    }

    [Test]
    public void StrategicMergePatch_MergesContainersByName_AndHonoursDeleteDirective()
    {
        var pod = JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}""");

        var result = StrategicMergePatch.Apply(pod, JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"z"},{"name":"b","$patch":"delete"}]}}"""));

        result!.ToJsonString().Should().Be("""{"spec":{"containers":[{"name":"a","image":"z"}]}}""");
    }
}
