using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubernetes.Tests.Integration;

[Category("LocalCluster")]
public sealed class InformerIntegrationTests
{
    private KubernetesClient client = null!;
    private string ns = null!;

    [SetUp]
    public async Task SetUp()
    {
        client = LocalClusterFixture.Client();
        ns = await LocalClusterFixture.NamespaceAsync(client, "informer");
    }

    [TearDown]
    public void TearDown() => client.Dispose();

    private ResourceClient<GenericObject> ConfigMaps => client.Resource<GenericObject>(ResourceType.ConfigMaps);

    private GenericObject ConfigMap(string name, string value, string group)
    {
        var map = new GenericObject { Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = new() { ["group"] = group } } };
        map.Fields["data"] = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["value"] = value });
        return map;
    }

    [Test]
    public async Task Informer_StaysConsistentThroughABurstOf1000Changes_DeliveringEachVersionOnce()
    {
        var informer = new Informer<GenericObject>(ConfigMaps, new InformerOptions<GenericObject>
        {
            Namespace = ns,
            Indexers = new Dictionary<string, Func<GenericObject, IEnumerable<string>>> { ["group"] = m => m.Metadata.Labels?.TryGetValue("group", out var g) == true ? [g] : [] },
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

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => WriteAsync(() => ConfigMaps.CreateAsync(ConfigMap($"m{i:D3}", "0", i % 2 == 0 ? "even" : "odd")))));
        for (var round = 1; round <= 3; round++)
        {
            var value = round.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => WriteAsync(() => ConfigMaps.PatchAsync(ns, $"m{i:D3}", PatchType.Merge, new { data = new { value } }))));
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Where(i => i % 2 == 1).Select(i => WriteAsync(() => ConfigMaps.DeleteAsync(ns, $"m{i:D3}"))));
        await Task.WhenAll(Enumerable.Range(0, 200).Where(i => i % 2 == 1).Select(i => WriteAsync(() => ConfigMaps.CreateAsync(ConfigMap($"m{i:D3}", "again", "odd")))));
        changes.Should().Be(1000);

        var truth = await ConfigMaps.ListAllAsync(ns);
        await Eventually.TrueAsync(() => informer.Cache.Count == truth.Items.Count && truth.Items.All(item => informer.Cache.Get(CacheKeys.For(item))?.Metadata.ResourceVersion == item.Metadata.ResourceVersion),
            "the cache equals the server", TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Cache.ByIndex("group", "even").Should().HaveCount(100);
        informer.Cache.ByIndex("group", "odd").Select(m => m.Fields["data"].GetProperty("value").GetString()).Should().AllBe("again");
        delivered.Count.Should().Be(1000, "every change is delivered exactly once: 200 adds, 600 updates, 100 deletes, 100 re-adds");
        delivered.RepeatedVersions.Should().BeEmpty();
    }

    [Test]
    public async Task Informer_RelistsAfter410_AndConverges()
    {
        // Without bookmarks, and watching only group=watched, the informer's version stays behind
        // while other objects change; once the server compacts, its next reconnect gets 410.
        var informer = new Informer<GenericObject>(ConfigMaps, new InformerOptions<GenericObject>
        {
            Namespace = ns,
            LabelSelector = "group=watched",
            AllowWatchBookmarks = false,
            MinWatchTimeout = TimeSpan.FromSeconds(1),
        });
        await ConfigMaps.CreateAsync(ConfigMap("seen", "1", "watched"));
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 5; i++)
        {
            await ConfigMaps.CreateAsync(ConfigMap($"noise-{i}", "x", "other"));
        }

        LocalClusterFixture.Cluster.CompactWatchCache();
        await Eventually.TrueAsync(() => informer.ListCount >= 2, "the reconnect after compaction gets 410 and re-lists", TimeSpan.FromSeconds(30));
        await ConfigMaps.CreateAsync(ConfigMap("later", "2", "watched"));
        await Eventually.TrueAsync(() => informer.Cache.Get(ns, "later") is not null, "the informer watches again after the re-list", TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Cache.Keys().Should().BeEquivalentTo($"{ns}/seen", $"{ns}/later");
    }

    private sealed class RecordingHandler : IInformerHandler<GenericObject>
    {
        private readonly ConcurrentDictionary<string, byte> versions = new();
        private readonly ConcurrentQueue<string> repeats = new();
        private int count;

        public int Count => Volatile.Read(ref count);

        public IReadOnlyCollection<string> RepeatedVersions => repeats;

        public void OnAdd(GenericObject obj) => Record("add", obj);

        public void OnUpdate(GenericObject old, GenericObject current) => Record("update", current);

        public void OnDelete(GenericObject obj) => Record("delete", obj);

        private void Record(string kind, GenericObject obj)
        {
            Interlocked.Increment(ref count);
            if (!versions.TryAdd($"{kind} {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}", 0))
            {
                repeats.Enqueue($"{kind} {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}");
            }
        }
    }
}
