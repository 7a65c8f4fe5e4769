using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Informers;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubernetes.Tests.Integration;

[Category("LocalCluster")]
public sealed class InformerIntegrationTests
{
    private k8s.Kubernetes client = null!;
    private string ns = null!;

    [SetUp]
    public async Task SetUp()
    {
        client = LocalClusterFixture.Client();
        ns = await LocalClusterFixture.NamespaceAsync(client, "informer");
    }

    [TearDown]
    public void TearDown() => client.Dispose();

    private V1ConfigMap ConfigMap(string name, string value, string group) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["group"] = group } },
        Data = new Dictionary<string, string> { ["value"] = value },
    };

    private Task CreateAsync(V1ConfigMap map) => client.CoreV1.CreateNamespacedConfigMapAsync(map, ns);

    private ApiListWatch<V1ConfigMap> ConfigMaps(string? labelSelector = null, bool bookmarks = true) =>
        new(client, ResourceType.ConfigMaps, new ListWatchOptions { Namespace = ns, LabelSelector = labelSelector, AllowWatchBookmarks = bookmarks });

    [Test]
    public async Task Informer_StaysConsistentThroughABurstOf1000Changes_DeliveringEachVersionOnce()
    {
        var informer = new Informer<V1ConfigMap>(ConfigMaps(), new InformerOptions<V1ConfigMap>
        {
            Indexers = new Dictionary<string, Func<V1ConfigMap, IEnumerable<string>>> { ["group"] = m => m.Metadata.Labels?.TryGetValue("group", out var g) == true ? [g] : [] },
        });
        var delivered = new RecordingHandler();
        informer.AddHandler(delivered);
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // 200 creates, 3 × 200 updates, 200 deletes of half: 1,000 writes, 8 at a time.
        var changes = 0;
        using var gate = new SemaphoreSlim(8);
        async Task WriteAsync(Func<Task> write)
        {
            await gate.WaitAsync();
            try
            {
                await write();
                Interlocked.Increment(ref changes);
            }
            finally
            {
                gate.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => WriteAsync(() => CreateAsync(ConfigMap($"m{i:D3}", "0", i % 2 == 0 ? "even" : "odd")))));
        for (var round = 1; round <= 3; round++)
        {
            var value = round.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => WriteAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(KubernetesJson.Serialize(new V1ConfigMap { Data = new Dictionary<string, string> { ["value"] = value } }), V1Patch.PatchType.MergePatch), $"m{i:D3}", ns))));
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Where(i => i % 2 == 1).Select(i => WriteAsync(() => client.CoreV1.DeleteNamespacedConfigMapAsync($"m{i:D3}", ns))));
        await Task.WhenAll(Enumerable.Range(0, 200).Where(i => i % 2 == 1).Select(i => WriteAsync(() => CreateAsync(ConfigMap($"m{i:D3}", "again", "odd")))));
        changes.Should().Be(1000);

        var truth = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await Eventually.TrueAsync(() => informer.Cache.Count == truth.Items.Count && truth.Items.All(item => informer.Cache.Get(CacheKeys.For(item))?.Metadata.ResourceVersion == item.Metadata.ResourceVersion),
            "the cache equals the server", TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Cache.ByIndex("group", "even").Should().HaveCount(100);
        informer.Cache.ByIndex("group", "odd").Select(m => m.Data["value"]).Should().AllBe("again");
        delivered.Count.Should().Be(1000, "every change is delivered exactly once: 200 adds, 600 updates, 100 deletes, 100 re-adds");
        delivered.RepeatedVersions.Should().BeEmpty();
    }

    [Test]
    public async Task Informer_RelistsAfter410_AndConverges()
    {
        // Without bookmarks, and watching only group=watched, the informer's version stays behind
        // while other objects change; once the server compacts, its next reconnect gets 410.
        var informer = new Informer<V1ConfigMap>(ConfigMaps("group=watched", bookmarks: false), new InformerOptions<V1ConfigMap>
        {
            MinWatchTimeout = TimeSpan.FromSeconds(1),
        });
        await CreateAsync(ConfigMap("seen", "1", "watched"));
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync(ConfigMap($"noise-{i}", "x", "other"));
        }

        LocalClusterFixture.Cluster.CompactWatchCache();
        await Eventually.TrueAsync(() => informer.ListCount >= 2, "the reconnect after compaction gets 410 and re-lists", TimeSpan.FromSeconds(30));
        await CreateAsync(ConfigMap("later", "2", "watched"));
        await Eventually.TrueAsync(() => informer.Cache.Get(ns, "later") is not null, "the informer watches again after the re-list", TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Cache.Keys().Should().BeEquivalentTo($"{ns}/seen", $"{ns}/later");
    }

    private sealed class RecordingHandler : IInformerHandler<V1ConfigMap>
    {
        private readonly ConcurrentDictionary<string, byte> versions = new();
        private readonly ConcurrentQueue<string> repeats = new();
        private int count;

        public int Count => Volatile.Read(ref count);

        public IReadOnlyCollection<string> RepeatedVersions => repeats;

        public void OnAdd(V1ConfigMap obj) => Record("add", obj);

        public void OnUpdate(V1ConfigMap old, V1ConfigMap current) => Record("update", current);

        public void OnDelete(V1ConfigMap obj) => Record("delete", obj);

        private void Record(string kind, V1ConfigMap obj)
        {
            Interlocked.Increment(ref count);
            if (!versions.TryAdd($"{kind} {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}", 0))
            {
                repeats.Enqueue($"{kind} {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}");
            }
        }
    }
}
