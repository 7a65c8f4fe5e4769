using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>Watch semantics: kubectl get -w and wait, bookmarks, 410 Gone after compaction.</summary>
[Category("LocalCluster")]
public sealed class WatchTests
{
    private static Kubectl Kubectl => SharedCluster.Kubectl;

    private static string Widget(string name, string ns) => $$"""
        apiVersion: fixtures.chunkgate.io/v1alpha1
        kind: Widget
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec: {action: read}
        """;

    [Test]
    public async Task GetWatch_SeesChangesAsTheyHappen()
    {
        var ns = await SharedCluster.NamespaceAsync("getw");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        using var watch = Kubectl.Stream($"get widgets -n {ns} -w");
        await watch.WaitForLineAsync(line => line.StartsWith("w1 ", StringComparison.Ordinal));

        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"spec\":{{\"action\":\"write\"}}}}'");
        await Kubectl.OkAsync("apply -f -", Widget("w2", ns));

        await watch.WaitForLineAsync(line => line.StartsWith("w1 ", StringComparison.Ordinal) && line.Contains("write", StringComparison.Ordinal));
        await watch.WaitForLineAsync(line => line.StartsWith("w2 ", StringComparison.Ordinal));
        watch.Lines.Count(line => line.StartsWith("NAME", StringComparison.Ordinal)).Should().Be(1, "the header is printed once");
    }

    [Test]
    public async Task Wait_ForACondition_ReturnsOnceTheStatusHasIt()
    {
        var ns = await SharedCluster.NamespaceAsync("wait");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        var waiting = Kubectl.RunAsync($"wait --for=condition=Ready widget/w1 -n {ns} --timeout=15s");

        await Kubectl.OkAsync($"patch widget w1 -n {ns} --subresource=status --type=merge -p '{{\"status\":{{\"conditions\":[{{\"type\":\"Ready\",\"status\":\"True\"}}]}}}}'");

        (await waiting).ShouldSucceed().Output.Should().Contain("condition met");
    }

    [Test]
    public async Task Watch_FromACompactedResourceVersion_EndsWith410Expired()
    {
        var ns = await SharedCluster.NamespaceAsync("gone");
        using var api = new ApiClient(SharedCluster.Cluster);
        var (_, list) = await api.SendAsync(HttpMethod.Get, $"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets");
        var listVersion = list!["metadata"]!["resourceVersion"]!.GetValue<string>();
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        SharedCluster.Cluster.CompactWatchCache();

        using var watch = await api.WatchAsync($"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets?watch=true&resourceVersion={listVersion}");
        watch.Status.Should().Be(200, "like the watch cache, the error arrives as an event");
        var error = await watch.NextAsync();
        error!["type"]!.GetValue<string>().Should().Be("ERROR");
        error["object"]!["code"]!.GetValue<int>().Should().Be(410);
        error["object"]!["reason"]!.GetValue<string>().Should().Be("Expired");
        error["object"]!["message"]!.GetValue<string>().Should().StartWith($"too old resource version: {listVersion} (");
    }

    [Test]
    public async Task Watch_FromARecentResourceVersion_ReplaysOnlyLaterEvents()
    {
        var ns = await SharedCluster.NamespaceAsync("resume");
        await Kubectl.OkAsync("apply -f -", Widget("before", ns));
        using var api = new ApiClient(SharedCluster.Cluster);
        var (_, list) = await api.SendAsync(HttpMethod.Get, $"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets");
        var listVersion = list!["metadata"]!["resourceVersion"]!.GetValue<string>();
        await Kubectl.OkAsync("apply -f -", Widget("after", ns));

        using var watch = await api.WatchAsync($"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets?watch=true&resourceVersion={listVersion}");

        var first = await watch.NextAsync();
        first!["type"]!.GetValue<string>().Should().Be("ADDED");
        first["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("after");
    }

    [Test]
    public async Task Watch_WithBookmarksAllowed_ReceivesBookmarksCarryingAResourceVersion()
    {
        var ns = await SharedCluster.NamespaceAsync("bookmark");
        using var api = new ApiClient(SharedCluster.Cluster);

        using var watch = await api.WatchAsync($"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets?watch=true&allowWatchBookmarks=true&resourceVersion={SharedCluster.Cluster.CurrentResourceVersion}");

        var bookmark = await watch.NextAsync();
        bookmark!["type"]!.GetValue<string>().Should().Be("BOOKMARK");
        bookmark["object"]!["kind"]!.GetValue<string>().Should().Be("Widget");
        long.Parse(bookmark["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
    }

    [Test]
    public async Task Watch_WithSendInitialEvents_EndsTheInitialListWithAnAnnotatedBookmark()
    {
        var ns = await SharedCluster.NamespaceAsync("initial");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        using var api = new ApiClient(SharedCluster.Cluster);

        using var watch = await api.WatchAsync($"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");

        (await watch.NextAsync())!["type"]!.GetValue<string>().Should().Be("ADDED");
        var end = await watch.NextAsync();
        end!["type"]!.GetValue<string>().Should().Be("BOOKMARK");
        end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>().Should().Be("true");
    }

    [Test]
    public async Task Watch_WithALabelSelector_ReportsObjectsLeavingTheSelectionAsDeleted()
    {
        var ns = await SharedCluster.NamespaceAsync("leave");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        await Kubectl.OkAsync($"label widget w1 -n {ns} keep=yes");
        using var api = new ApiClient(SharedCluster.Cluster);
        using var watch = await api.WatchAsync($"/apis/fixtures.chunkgate.io/v1alpha1/namespaces/{ns}/widgets?watch=true&labelSelector=keep%3Dyes");
        (await watch.NextAsync())!["type"]!.GetValue<string>().Should().Be("ADDED");

        await Kubectl.OkAsync($"label widget w1 -n {ns} keep-");

        var left = await watch.NextAsync();
        left!["type"]!.GetValue<string>().Should().Be("DELETED");
        left["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("w1");
    }
}
