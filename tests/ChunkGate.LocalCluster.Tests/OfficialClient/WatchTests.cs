using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>The client's watch (<c>WatchAsync</c> over a list call with <c>watch: true</c>): resume and 410 Gone.</summary>
[Category("LocalCluster")]
public sealed class WatchTests
{
    [Test]
    public async Task Watch_FromAListResourceVersion_DeliversOnlyLaterChangesInOrder()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-watch");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } }, ns);
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "after", ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("before", ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: timeout.Token))
        {
            seen.Add((type, item.Metadata.Name));
            if (seen.Count == 3)
            {
                break;
            }
        }

        seen.Should().Equal((WatchEventType.Added, "after"), (WatchEventType.Modified, "after"), (WatchEventType.Deleted, "before"));
    }

    [Test]
    public async Task Watch_FromACompactedResourceVersion_SurfacesA410Expired()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-gone");
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        SharedCluster.Cluster.CompactWatchCache();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var errors = new List<Exception>();
        var events = 0;
        try
        {
            await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add, cancellationToken: timeout.Token))
            {
                events++;
            }
        }
        catch (KubernetesException error)
        {
            errors.Add(error);
        }

        events.Should().Be(0);
        var expired = errors.OfType<KubernetesException>().Should().ContainSingle().Subject;
        expired.Status.Code.Should().Be(410);
        expired.Status.Reason.Should().Be("Expired");
        expired.Status.Message.Should().StartWith($"too old resource version: {list.Metadata.ResourceVersion} (");
    }

    [Test]
    public async Task Watch_WithSendInitialEvents_ListsTheCurrentItemsThenBookmarksTheEndOfTheInitialList()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-initial");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<(WatchEventType, string?)>();
        V1ConfigMap? bookmark = null;
        await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, allowWatchBookmarks: true, sendInitialEvents: true,
            resourceVersionMatch: "NotOlderThan", cancellationToken: timeout.Token))
        {
            seen.Add((type, item.Metadata.Name));
            if (type == WatchEventType.Bookmark)
            {
                bookmark = item;
                break;
            }
        }

        seen.Should().Equal((WatchEventType.Added, "a"), (WatchEventType.Added, "b"), (WatchEventType.Bookmark, null));
        bookmark!.Metadata.Annotations.Should().Contain("k8s.io/initial-events-end", "true");
        bookmark.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
    }
}
