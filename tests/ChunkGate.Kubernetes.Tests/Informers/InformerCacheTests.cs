using ChunkGate.Kubernetes.Informers;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Informers;

public sealed class InformerCacheTests
{
    private static V1Pod V1Pod(string ns, string name, string rv, string? ownerUid = null, string? app = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            NamespaceProperty = ns,
            Name = name,
            ResourceVersion = rv,
            OwnerReferences = ownerUid is null ? null : [new V1OwnerReference { ApiVersion = "chunkgate.io/v1alpha1", Kind = "ChunkJob", Name = "job", Uid = ownerUid, Controller = true }],
            Labels = app is null ? null : new Dictionary<string, string> { ["app"] = app },
        },
    };

    private static InformerCache<V1Pod> Cache() => new(new Dictionary<string, Func<V1Pod, IEnumerable<string>>>
    {
        ["app"] = pod => pod.Metadata.Labels?.TryGetValue("app", out var app) == true ? [app] : [],
    });

    [Test]
    public void Upsert_ReportsAddThenUpdate_AndIgnoresARepeatOfTheSameVersion()
    {
        var cache = Cache();

        cache.Upsert(V1Pod("a", "p", "1"))!.Value.Type.Should().Be(CacheChangeType.Added);
        cache.Upsert(V1Pod("a", "p", "1")).Should().BeNull("a resumed watch may repeat an event; it must not be delivered twice");
        var update = cache.Upsert(V1Pod("a", "p", "2"))!.Value;

        update.Type.Should().Be(CacheChangeType.Updated);
        update.Old!.Metadata.ResourceVersion.Should().Be("1");
        cache.Get("a", "p")!.Metadata.ResourceVersion.Should().Be("2");
        cache.ResourceVersion.Should().Be("2");
    }

    [Test]
    public void Delete_OfAnUnknownObject_IsNotReported()
    {
        var cache = Cache();
        cache.Upsert(V1Pod("a", "p", "1"));

        cache.Delete(V1Pod("a", "p", "3"))!.Value.Type.Should().Be(CacheChangeType.Deleted);
        cache.Delete(V1Pod("a", "p", "3")).Should().BeNull();
        cache.Count.Should().Be(0);
    }

    [Test]
    public void Replace_ReportsOnlyTheDifference_IncludingDeletesMissedWhileDisconnected()
    {
        var cache = Cache();
        cache.Upsert(V1Pod("a", "same", "1"));
        cache.Upsert(V1Pod("a", "changed", "1"));
        cache.Upsert(V1Pod("a", "gone", "1"));

        var changes = cache.Replace([V1Pod("a", "same", "1"), V1Pod("a", "changed", "5"), V1Pod("a", "new", "6")], "9");

        changes.Select(c => (c.Type, c.Current.Metadata.Name)).Should().BeEquivalentTo(new[]
        {
            (CacheChangeType.Updated, "changed"),
            (CacheChangeType.Added, "new"),
            (CacheChangeType.Deleted, "gone"),
        });
        cache.ResourceVersion.Should().Be("9");
        cache.Keys().Should().BeEquivalentTo("a/same", "a/changed", "a/new");
    }

    [Test]
    public void Indexes_FollowUpdatesAndDeletes()
    {
        var cache = Cache();
        cache.Upsert(V1Pod("a", "p1", "1", ownerUid: "job-1", app: "runner"));
        cache.Upsert(V1Pod("b", "p2", "1", ownerUid: "job-1", app: "runner"));
        cache.Upsert(V1Pod("a", "p3", "1", ownerUid: "job-2", app: "sidecar"));

        cache.ByIndex(InformerCache<V1Pod>.NamespaceIndex, "a").Select(p => p.Metadata.Name).Should().BeEquivalentTo("p1", "p3");
        cache.ByIndex(InformerCache<V1Pod>.OwnerUidIndex, "job-1").Should().HaveCount(2);
        cache.ByIndex("app", "runner").Should().HaveCount(2);

        cache.Upsert(V1Pod("a", "p1", "2", ownerUid: "job-2", app: "sidecar"));
        cache.Delete(V1Pod("b", "p2", "3"));

        cache.ByIndex(InformerCache<V1Pod>.OwnerUidIndex, "job-1").Should().BeEmpty();
        cache.ByIndex("app", "sidecar").Select(p => p.Metadata.Name).Should().BeEquivalentTo("p1", "p3");
        FluentActions.Invoking(() => cache.ByIndex("nope", "x")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void KeysByIndex_NameTheHeldObjectsTheFilterAccepts_WithoutCopyingThem()
    {
        var cache = Cache();
        cache.Upsert(V1Pod("a", "p1", "1", ownerUid: "job-1", app: "runner"));
        cache.Upsert(V1Pod("b", "p2", "4", ownerUid: "job-1", app: "runner"));
        cache.Upsert(V1Pod("a", "p3", "1", ownerUid: "job-2", app: "runner"));
        cache.Delete(V1Pod("a", "p3", "2"));

        cache.KeysByIndex(InformerCache<V1Pod>.OwnerUidIndex, "job-1").Should().BeEquivalentTo("a/p1", "b/p2");
        cache.KeysByIndex("app", "runner", pod => pod.Metadata.ResourceVersion == "4").Should().Equal("b/p2");
        cache.KeysByIndex("app", "none").Should().BeEmpty();
        FluentActions.Invoking(() => cache.KeysByIndex("nope", "x")).Should().Throw<ArgumentException>();
    }

    [Test]
    public void Keys_AreNamespaceSlashName_OrJustNameWhenClusterScoped()
    {
        CacheKeys.For("ns", "n").Should().Be("ns/n");
        CacheKeys.For(null, "n").Should().Be("n");
        CacheKeys.Split("ns/n").Should().Be(("ns", "n"));
        CacheKeys.Split("n").Should().Be(((string?)null, "n"));
    }

    [Test]
    public void Readers_GetCopies_SoACallersEditNeverChangesTheCache()
    {
        var cache = Cache();
        cache.Upsert(V1Pod("n", "a", "1", ownerUid: "o-1", app: "web"));

        // A reconciler edits what it read, as it would before an update call.
        var read = cache.Get("n", "a")!;
        read.Metadata.Labels["app"] = "changed";
        read.Metadata.ResourceVersion = "999";
        cache.List().Single().Metadata.Labels!.Add("x", "y");
        cache.ByIndex(InformerCache<V1Pod>.OwnerUidIndex, "o-1").Single().Metadata.OwnerReferences.Clear();

        var held = cache.Get("n", "a")!;
        held.Metadata.Labels.Should().Equal(new Dictionary<string, string> { ["app"] = "web" });
        held.Metadata.ResourceVersion.Should().Be("1");
        held.Metadata.OwnerReferences.Should().ContainSingle();
        cache.ByIndex("app", "web").Should().ContainSingle();
        cache.ByIndex("app", "changed").Should().BeEmpty();
        cache.Get("n", "a").Should().NotBeSameAs(cache.Get("n", "a"));
    }
}
