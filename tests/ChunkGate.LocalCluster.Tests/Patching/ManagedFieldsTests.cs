using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Patching;

namespace ChunkGate.LocalCluster.Tests.Patching;

public sealed class ManagedFieldsTests
{
    private static JsonObject Config(string spec) => JsonNode.Parse($$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{{spec}}}""")!.AsObject();

    [Test]
    public void Apply_DroppingAFieldItOwned_RemovesIt()
    {
        var first = ManagedFields.Apply(null, Config("""{"a":"1","b":"2"}"""), BuiltInResources.ConfigMaps, "me", force: false, "t1");

        var second = ManagedFields.Apply(first, Config("""{"a":"1"}"""), BuiltInResources.ConfigMaps, "me", force: false, "t2");

        second["data"]!.ToJsonString().Should().Be("""{"a":"1"}""");
    }

    [Test]
    public void Apply_ChangingAnotherManagersField_ConflictsUnlessForced()
    {
        var theirs = ManagedFields.Apply(null, Config("""{"a":"1"}"""), BuiltInResources.ConfigMaps, "them", force: false, "t1");

        var conflicting = () => ManagedFields.Apply(theirs, Config("""{"a":"2"}"""), BuiltInResources.ConfigMaps, "me", force: false, "t2");

        conflicting.Should().Throw<ApiError>().Which.Message.Should().Be("Apply failed with 1 conflict: conflict with \"them\": .data.a");
        var forced = ManagedFields.Apply(theirs, Config("""{"a":"2"}"""), BuiltInResources.ConfigMaps, "me", force: true, "t2");
        forced["data"]!["a"]!.GetValue<string>().Should().Be("2");
        forced["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("me");
    }

    [Test]
    public void Apply_OfTheSameValueAnotherManagerOwns_SharesItWithoutConflict()
    {
        var theirs = ManagedFields.Apply(null, Config("""{"a":"1"}"""), BuiltInResources.ConfigMaps, "them", force: false, "t1");

        var shared = ManagedFields.Apply(theirs, Config("""{"a":"1"}"""), BuiltInResources.ConfigMaps, "me", force: false, "t2");

        shared["metadata"]!["managedFields"]!.AsArray().Should().HaveCount(2);
    }
}
