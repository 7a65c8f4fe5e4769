using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Watching;
using k8s;
using k8s.Models;

namespace ChunkGate.Benchmarks.Kubernetes;

/// <summary>
/// Informer throughput: a watch stream of realistic Pod events (labels, owner references, managed
/// fields, containers with env and status, as the API server sends them) decoded line by line and
/// applied to the informer cache with its indexes; and the managed memory the cache holds per
/// 10,000 such Pods.
/// </summary>
internal sealed class InformerBenchSuite : IBenchSuite
{
    private const int Objects = 10_000;
    private const int Updates = 40_000;

    public string Name => "informer";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var stream = BuildStream();
        report.Note($"stream: {Objects} ADDED + {Updates} MODIFIED + bookmarks, {stream.Length / 1024 / 1024.0:0.0} MiB of JSON lines, in memory (no network)");

        await ApplyAsync(stream, cancellationToken); // warm-up: JIT and pools
        var rates = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var started = Stopwatch.GetTimestamp();
            var applied = await ApplyAsync(stream, cancellationToken);
            rates.Add(applied / Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        rates.Sort();
        report.Note($"events/s per run: {string.Join(", ", rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} (median reported)");
        report.Figure("informer.events_per_second", rates[1]);

        // One 12 MiB event (a large annotation, under the decoder's 16 MiB line limit) arriving 16 KiB
        // per read, as from a network: the cost of finding the end of a line that spans many reads.
        var large = Encoding.UTF8.GetBytes(PodEvent("ADDED", 0, 1).Replace("\"annotations\":{", "\"annotations\":{\"big\":\"" + new string('x', 12 * 1024 * 1024) + "\",", StringComparison.Ordinal) + "\n");
        var largeTimes = new List<double>();
        for (var run = 0; run < 4; run++)
        {
            var started = Stopwatch.GetTimestamp();
            var decoded = 0;
            await foreach (var _ in WatchStreamReader.ReadAsync<V1Pod>(new ChunkedStream(large, 16 * 1024), error => throw new InvalidOperationException(error.Problem), cancellationToken))
            {
                decoded++;
            }

            if (decoded != 1)
            {
                throw new InvalidOperationException($"decoded {decoded} large events, expected 1");
            }

            largeTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        largeTimes.Sort();
        report.Figure("informer.large_event_12mib_ms", largeTimes[1]);

        var added = BuildStream(updates: 0, bookmarks: false);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var cache = new InformerCache<V1Pod>();
        await FillAsync(cache, added, cancellationToken);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        report.Note($"cache holds {cache.Count} pods");
        report.Figure("informer.bytes_per_10k_objects", (after - before) * (10_000.0 / cache.Count));
        GC.KeepAlive(cache);
    }

    private static async Task<int> ApplyAsync(byte[] stream, CancellationToken cancellationToken)
    {
        var cache = new InformerCache<V1Pod>();
        return await FillAsync(cache, stream, cancellationToken);
    }

    private static async Task<int> FillAsync(InformerCache<V1Pod> cache, byte[] stream, CancellationToken cancellationToken)
    {
        var applied = 0;
        await foreach (var watchEvent in WatchStreamReader.ReadAsync<V1Pod>(new MemoryStream(stream, writable: false), null, cancellationToken))
        {
            switch (watchEvent.Type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    cache.Upsert(watchEvent.Object!);
                    break;
                case WatchEventType.Deleted:
                    cache.Delete(watchEvent.Object!);
                    break;
                case WatchEventType.Bookmark:
                    cache.Bookmark(watchEvent.ResourceVersion);
                    break;
            }

            applied++;
        }

        return applied;
    }

    private static byte[] BuildStream(int updates = Updates, bool bookmarks = true)
    {
        var builder = new StringBuilder();
        var rv = 1000;
        for (var i = 0; i < Objects; i++)
        {
            builder.Append(PodEvent("ADDED", i, ++rv)).Append('\n');
        }

        for (var u = 0; u < updates; u++)
        {
            builder.Append(PodEvent("MODIFIED", u % Objects, ++rv)).Append('\n');
            if (bookmarks && u % 1000 == 999)
            {
                builder.Append("""{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"RV"}}}""".Replace("RV", rv.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Append('\n');
            }
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private const string PodTemplate = """
        {"type":"@TYPE@","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"chunk-run-@I6@","namespace":"team-@I20@","uid":"6f1c2a4e-0000-4000-8000-@I12@","resourceVersion":"@RV@","generation":1,"creationTimestamp":"2026-11-23T09:00:00Z","labels":{"app.kubernetes.io/name":"chunkgate-runner","app.kubernetes.io/managed-by":"chunkgate","chunkgate.io/job":"nightly-export-@I500@"},"annotations":{"chunkgate.io/spec-hash":"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","chunkgate.io/approval":"approval-@I@"},"ownerReferences":[{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","name":"nightly-export-@I500@","uid":"0a1b2c3d-0000-4000-8000-@I500D12@","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"chunkgate-operator","operation":"Apply","apiVersion":"v1","time":"2026-11-23T09:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app.kubernetes.io/name":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"runner\"}":{".":{},"f:image":{}}}}}}]},"spec":{"restartPolicy":"Never","activeDeadlineSeconds":900,"serviceAccountName":"chunkgate-runner","automountServiceAccountToken":false,"securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"runner","image":"ghcr.io/chunkgate/runner:1.0.0","args":["--chunk-size","10000"],"env":[{"name":"PGHOST","value":"127.0.0.1"},{"name":"PGPASSWORD","valueFrom":{"secretKeyRef":{"name":"chunk-cred-@I@","key":"password"}}}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},"terminationMessagePolicy":"FallbackToLogsOnError"}]},"status":{"phase":"Running","podIP":"10.244.@I250@.@I200@","startTime":"2026-11-23T09:00:05Z","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-11-23T09:00:07Z"}],"containerStatuses":[{"name":"runner","ready":true,"restartCount":0,"image":"ghcr.io/chunkgate/runner:1.0.0","started":true,"state":{"running":{"startedAt":"2026-11-23T09:00:06Z"}}}]}}}
        """;

    private static string PodEvent(string type, int index, int rv)
    {
        static string N(int value, string format = "") => value.ToString(format, CultureInfo.InvariantCulture);
        return new StringBuilder(PodTemplate)
            .Replace("@TYPE@", type)
            .Replace("@I6@", N(index, "D6"))
            .Replace("@I12@", N(index, "D12"))
            .Replace("@I500D12@", N(index % 500, "D12"))
            .Replace("@I500@", N(index % 500))
            .Replace("@I250@", N(index % 250))
            .Replace("@I200@", N(index % 200))
            .Replace("@I20@", N(index % 20))
            .Replace("@RV@", N(rv))
            .Replace("@I@", N(index))
            .ToString();
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a socket does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
    }
}
