using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Informers;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;
using Microsoft.AspNetCore.Http;

namespace ChunkGate.Kubernetes.Tests.Informers;

/// <summary>
/// The list-then-watch protocol against a scripted server speaking the API's wire format: resume
/// from the last version after a dropped connection, re-list on a 410 ERROR event, and a cache
/// and handlers that end up exactly equal to the server, with nothing lost or repeated.
/// </summary>
public sealed class InformerHttpTests
{
    private static string Item(string name, string rv) => $$$"""{"metadata":{"name":"{{{name}}}","namespace":"n","resourceVersion":"{{{rv}}}","uid":"uid-{{{name}}}"}}""";

    private static string Event(string type, string name, string rv) => $$$$"""{"type":"{{{{type}}}}","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"name":"{{{{name}}}}","namespace":"n","resourceVersion":"{{{{rv}}}}","uid":"uid-{{{{name}}}}"}}}""" + "\n";

    [Test]
    public async Task Transform_DropManagedFields_AppliesToListedAndWatchedObjects_BeforeTheCacheStoresThem()
    {
        const string managed = ""","managedFields":[{"manager":"kubectl","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{}}}}]""";
        await using var server = await CannedApiServer.StartAsync();
        var step = 0;
        var holdOpen = new TaskCompletionSource();
        server.Handler = async (context, recorded) =>
        {
            context.Response.ContentType = "application/json";
            switch (Interlocked.Increment(ref step))
            {
                case 1:
                    await context.Response.WriteAsync($$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[{{Item("a", "5").Replace("\"uid\":", managed[1..] + ",\"uid\":", StringComparison.Ordinal)}}]}""");
                    break;
                case 2:
                    await context.Response.WriteAsync(Event("ADDED", "b", "11").Replace("\"uid\":", managed[1..] + ",\"uid\":", StringComparison.Ordinal));
                    await context.Response.Body.FlushAsync();
                    await holdOpen.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { });
                    break;
                default:
                    await holdOpen.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { });
                    break;
            }
        };
        using var client = server.Client();
        var informer = new Informer<V1Pod>(new ApiListWatch<V1Pod>(client, ResourceType.Pods, new ListWatchOptions { Namespace = "n" }),
            new InformerOptions<V1Pod> { Transform = ObjectTransforms.DropManagedFields });
        using var cts = new CancellationTokenSource();

        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => informer.Cache.Get("n", "b") is not null, "the watched Pod is cached");
        await cts.CancelAsync();
        holdOpen.TrySetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        informer.Cache.Get("n", "a")!.Metadata.ManagedFields.Should().BeNull("the listed Pod came with managedFields");
        informer.Cache.Get("n", "b")!.Metadata.ManagedFields.Should().BeNull("the watched Pod came with managedFields");
        informer.Cache.Get("n", "b")!.Metadata.Uid.Should().Be("uid-b", "the rest of the object is kept");
    }

    [Test]
    public async Task ListWatch_ResumesAfterADrop_RelistsOn410_AndDeliversEachChangeOnce()
    {
        await using var server = await CannedApiServer.StartAsync();
        var step = 0;
        var holdOpen = new TaskCompletionSource();
        server.Handler = async (context, recorded) =>
        {
            context.Response.ContentType = "application/json";
            switch (Interlocked.Increment(ref step))
            {
                case 1:
                    await context.Response.WriteAsync($$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[{{Item("a", "5")}},{{Item("b", "6")}}]}""");
                    break;
                case 2:
                    // The connection then ends, as when a proxy drops it or the server timeout passes.
                    await context.Response.WriteAsync(Event("ADDED", "c", "11") + "{not json\n" + Event("MODIFIED", "a", "12"));
                    break;
                case 3:
                    // Resumed from 12: the server repeats the last event (allowed); the cache must not deliver it twice.
                    await context.Response.WriteAsync(Event("MODIFIED", "a", "12") + """{"type":"BOOKMARK","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"resourceVersion":"20"}}}""" + "\n"
                        + """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 20 (28)","reason":"Expired","code":410}}""" + "\n");
                    break;
                case 4:
                    await context.Response.WriteAsync($$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"30"},"items":[{{Item("a", "12")}},{{Item("c", "11")}},{{Item("d", "25")}}]}""");
                    break;
                default:
                    await context.Response.Body.FlushAsync();
                    await holdOpen.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { });
                    break;
            }
        };
        using var client = server.Client();
        var informer = new Informer<V1Pod>(new ApiListWatch<V1Pod>(client, ResourceType.Pods, new ListWatchOptions { Namespace = "n" }));
        var seen = new RecordingHandler();
        informer.AddHandler(seen);
        using var cts = new CancellationTokenSource();

        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => Volatile.Read(ref step) >= 5, "the informer watches again after re-listing");
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
        holdOpen.TrySetResult();

        seen.Changes.Should().Equal("add a@5", "add b@6", "add c@11", "update a@12", "add d@25", "delete b@6");
        informer.Cache.Keys().Should().BeEquivalentTo("n/a", "n/c", "n/d");
        informer.Cache.ResourceVersion.Should().Be("30");
        informer.ListCount.Should().Be(2);
        var requests = server.Requests.ToList();
        requests.Select(r => (r.Query.GetValueOrDefault("watch"), r.Query.GetValueOrDefault("resourceVersion"))).Should().Equal(
            (null, null), ("true", "10"), ("true", "12"), (null, null), ("true", "30"));
        requests[1].Query["allowWatchBookmarks"].Should().Be("true");
        int.Parse(requests[1].Query["timeoutSeconds"], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(300, 600);
    }

    [Test]
    public async Task AConnectionCutMidStream_ResumesFromTheLastEventApplied()
    {
        await using var server = await CannedApiServer.StartAsync();
        var step = 0;
        Informer<V1Pod>? informer = null;
        server.Handler = async (context, recorded) =>
        {
            context.Response.ContentType = "application/json";
            switch (Interlocked.Increment(ref step))
            {
                case 1:
                    await context.Response.WriteAsync("""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[]}""");
                    break;
                case 2:
                    await context.Response.WriteAsync(Event("ADDED", "c", "11") + Event("MODIFIED", "c", "12"));
                    await context.Response.Body.FlushAsync();
                    await Eventually.TrueAsync(() => informer!.Cache.Get("n", "c")?.Metadata.ResourceVersion == "12", "the client applied both events");
                    context.Abort();
                    break;
                default:
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                    break;
            }
        };
        using var client = server.Client();
        informer = new Informer<V1Pod>(new ApiListWatch<V1Pod>(client, ResourceType.Pods, new ListWatchOptions { Namespace = "n" }), new InformerOptions<V1Pod> { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        using var cts = new CancellationTokenSource();

        var running = informer.RunAsync(cts.Token);
        await Eventually.TrueAsync(() => Volatile.Read(ref step) >= 3, "the informer reconnects");
        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        server.Requests.Last().Query["resourceVersion"].Should().Be("12");
        informer.ListCount.Should().Be(1, "a dropped connection is resumed, not re-listed");
        informer.Cache.Get("n", "c")!.Metadata.ResourceVersion.Should().Be("12");
    }

    [Test]
    public async Task Resync_RedeliversCachedObjects_AndEnqueueHandlerFeedsTheQueueByKey()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = async (context, recorded) =>
        {
            context.Response.ContentType = "application/json";
            if (!recorded.Query.ContainsKey("watch"))
            {
                await context.Response.WriteAsync($$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[{{Item("a", "5")}},{{Item("b", "6")}}]}""");
                return;
            }

            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        };
        var clock = new FakeTimeProvider();
        using var client = server.Client(clock);
        var informer = new Informer<V1Pod>(new ApiListWatch<V1Pod>(client, ResourceType.Pods, new ListWatchOptions { Namespace = "n" }), new InformerOptions<V1Pod> { ResyncPeriod = TimeSpan.FromMinutes(10) }, clock);
        using var queue = new WorkQueue<string>(timeProvider: clock);
        informer.AddHandler(new EnqueueKeyHandler<V1Pod>(queue));
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));

        queue.Count.Should().Be(2);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var (key, _) = await queue.GetAsync();
            queue.Done(key);
        }

        await Eventually.TrueAsync(() => clock.PendingTimers > 0, "the resync timer is armed");
        clock.Advance(TimeSpan.FromMinutes(10));
        await Eventually.TrueAsync(() => queue.Count == 2, "resync enqueues every cached key again");

        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class RecordingHandler : IInformerHandler<V1Pod>
    {
        private readonly ConcurrentQueue<string> changes = new();

        public IReadOnlyList<string> Changes => [.. changes];

        public void OnAdd(V1Pod obj) => changes.Enqueue($"add {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}");

        public void OnUpdate(V1Pod old, V1Pod current) => changes.Enqueue($"update {current.Metadata.Name}@{current.Metadata.ResourceVersion}");

        public void OnDelete(V1Pod obj) => changes.Enqueue($"delete {obj.Metadata.Name}@{obj.Metadata.ResourceVersion}");
    }
}
