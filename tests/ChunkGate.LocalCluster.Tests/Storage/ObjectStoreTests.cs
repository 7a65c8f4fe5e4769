using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Storage;

namespace ChunkGate.LocalCluster.Tests.Storage;

public sealed class ObjectStoreTests
{
    private static JsonObject ConfigMap(string name, string value) =>
        new() { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns" }, ["data"] = new JsonObject { ["v"] = value } };

    [Test]
    public void Update_AtAStaleRevision_IsAConflict()
    {
        var store = new ObjectStore();
        var created = store.Create(BuiltInResources.ConfigMaps, ConfigMap("a", "1"));
        var revision = long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        store.Update(BuiltInResources.ConfigMaps, ConfigMap("a", "2"), revision);

        var stale = () => store.Update(BuiltInResources.ConfigMaps, ConfigMap("a", "3"), revision);

        stale.Should().Throw<ApiError>().Which.Code.Should().Be(409);
    }

    [Test]
    public void Watch_FromBeforeTheRetainedHistory_IsExpired()
    {
        var store = new ObjectStore(historyCapacity: 2);
        var start = store.CurrentRevision;
        for (var i = 0; i < 5; i++)
        {
            store.Create(BuiltInResources.ConfigMaps, ConfigMap($"c{i}", "x"));
        }

        var watch = () => store.Watch(BuiltInResources.ConfigMaps.StorageKey, null, start);

        watch.Should().Throw<ApiError>().Which.Code.Should().Be(410);
    }

    [Test]
    public void Watch_FromARetainedRevision_ReplaysOnlyLaterChanges()
    {
        var store = new ObjectStore();
        store.Create(BuiltInResources.ConfigMaps, ConfigMap("before", "x"));
        var from = store.CurrentRevision;
        store.Create(BuiltInResources.ConfigMaps, ConfigMap("after", "x"));

        var (subscription, backlog) = store.Watch(BuiltInResources.ConfigMaps.StorageKey, "ns", from);
        using (subscription)
        {
            backlog.Select(e => e.Object["metadata"]!["name"]!.GetValue<string>()).Should().Equal("after");
        }
    }

    [Test]
    public void Remove_PublishesADeletedEventWithANewRevision()
    {
        var store = new ObjectStore();
        store.Create(BuiltInResources.ConfigMaps, ConfigMap("a", "1"));
        var (subscription, _) = store.Watch(null, null, store.CurrentRevision);
        using (subscription)
        {
            store.Remove(BuiltInResources.ConfigMaps, "ns", "a", null);

            subscription.Events.TryRead(out var deleted).Should().BeTrue();
            deleted!.Type.Should().Be(WatchEventType.Deleted);
            deleted.Revision.Should().Be(store.CurrentRevision);
        }
    }
}
