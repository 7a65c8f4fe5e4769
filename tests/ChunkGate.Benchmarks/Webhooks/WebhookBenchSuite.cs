using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChunkGate.LocalCluster.Hosting;
using ChunkGate.Operator.Hosting;
using k8s;

namespace ChunkGate.Benchmarks.Webhooks;

/// <summary>
/// Admission latency as the API server sees it: AdmissionReviews (a ChunkJob create by a designer,
/// mutating webhook, which reads the job's DataConnection) posted over HTTPS by
/// 50 concurrent callers to the operator's webhook, served by the real host against a local
/// cluster; the DataConnection comes from the operator's informer cache. The peers, in the same run
/// and with the same concurrency: a plain GET of that DataConnection from the local cluster (what
/// every review did before the cache), and a review over the same HTTPS path that reads nothing
/// (the floor: TLS, Kestrel, JSON).
/// </summary>
internal sealed class WebhookBenchSuite : IBenchSuite
{
    private const int Concurrency = 50;
    private const int Requests = 5_000;
    private const int Rounds = 5;

    public string Name => "webhook";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions { Manifests = [Crds()] }, cancellationToken);
        var (settings, error) = OperatorSettingsParser.Parse(
            [$"--kubeconfig={cluster.KubeconfigPath}", "--context=operator", $"--webhook-port={FreePort()}", $"--health-port={FreePort()}"], _ => null);
        if (settings is null)
        {
            throw new InvalidOperationException(error);
        }

        var kubernetes = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath, currentContext: "admin"));
        await CreateAsync(kubernetes, settings.OperatorNamespace, cancellationToken);
        await CreateAsync(kubernetes, "bench", cancellationToken);
        await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync(KubernetesJson.Deserialize<object>(Connection), "chunkgate.io", "v1alpha1", "bench", "dataconnections", cancellationToken: cancellationToken);

        await using var host = OperatorHost.Build(settings, TimeProvider.System, _ => null, withController: false);
        await host.StartAsync(cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            MaxConnectionsPerServer = Concurrency,
        });
        while ((await http.GetAsync($"http://127.0.0.1:{settings.HealthPort}/readyz", cancellationToken)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(50, cancellationToken);
        }

        var webhook = new Uri($"https://127.0.0.1:{settings.WebhookPort}/mutate/chunkjobs");
        Func<Task> review = async () =>
        {
            using var content = new StringContent(Review, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(webhook, content, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!body.Contains("\"allowed\":true", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the review was not allowed: {body}");
            }
        };
        // The same HTTPS path to a webhook that reads nothing (a status review of a main-resource request).
        var bare = new Uri($"https://127.0.0.1:{settings.WebhookPort}/validate/status");
        Func<Task> unread = async () =>
        {
            using var content = new StringContent(Review, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(bare, content, cancellationToken);
            response.EnsureSuccessStatusCode();
        };
        Func<Task> lookup = async () => await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync("chunkgate.io", "v1alpha1", "bench", "dataconnections", "demo-db", cancellationToken);

        await MeasureAsync(review, Requests / 10, cancellationToken); // warm-up: JIT, TLS connections
        await MeasureAsync(lookup, Requests / 10, cancellationToken);
        await MeasureAsync(unread, Requests / 10, cancellationToken);
        // Interleaved rounds, so that a burst of load from elsewhere on the machine (or a late JIT tier-up) does not fall on one of the three alone.
        List<double> reviews = [], lookups = [], unreads = [];
        for (var round = 0; round < Rounds; round++)
        {
            reviews.AddRange(await MeasureAsync(review, Requests / Rounds, cancellationToken));
            lookups.AddRange(await MeasureAsync(lookup, Requests / Rounds, cancellationToken));
            unreads.AddRange(await MeasureAsync(unread, Requests / Rounds, cancellationToken));
        }

        reviews.Sort();
        lookups.Sort();
        unreads.Sort();
        report.Note($"{Requests} ChunkJob create reviews by {Concurrency} concurrent callers over HTTPS; peers, same concurrency: GET DataConnection from the local cluster, and a review that reads nothing");
        report.Figure("webhook.admission.p50_ms", Percentile(reviews, 0.50));
        report.Figure("webhook.peer_no_read.p50_ms", Percentile(unreads, 0.50));
        report.Figure("webhook.admission.p99_ms", Percentile(reviews, 0.99));
        report.Figure("webhook.peer_lookup.p99_ms", Percentile(lookups, 0.99));
        report.Figure("webhook.peer_no_read.p99_ms", Percentile(unreads, 0.99));
        report.Figure("webhook.admission_over_lookup.p99_ratio", Percentile(reviews, 0.99) / Percentile(lookups, 0.99));
        report.Figure("webhook.admission_over_no_read.p99_ratio", Percentile(reviews, 0.99) / Percentile(unreads, 0.99));
        await host.StopAsync(cancellationToken);
    }

    private static async Task<List<double>> MeasureAsync(Func<Task> call, int count, CancellationToken cancellationToken)
    {
        var latencies = new List<double>(count);
        var next = 0;
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (Interlocked.Increment(ref next) <= count)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return mine;
        });
        foreach (var part in await Task.WhenAll(workers))
        {
            latencies.AddRange(part);
        }

        cancellationToken.ThrowIfCancellationRequested();
        latencies.Sort();
        return latencies;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task CreateAsync(k8s.Kubernetes kubernetes, string ns, CancellationToken cancellationToken) =>
        await kubernetes.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new() { Name = ns } }, cancellationToken: cancellationToken);

    private static string Crds()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "crds")) && File.Exists(Path.Combine(directory.FullName, "Makefile")))
            {
                return Path.Combine(directory.FullName, "crds");
            }
        }

        throw new InvalidOperationException("crds/ not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const string Connection = """
        {"apiVersion":"chunkgate.io/v1alpha1","kind":"DataConnection","metadata":{"name":"demo-db","namespace":"bench"},
         "spec":{"endpoint":{"host":"db","database":"demo"},"adminSecretRef":{"name":"admin"},"maxTTL":"15m",
                 "allowedActions":["export"],"designerGroups":["chunkgate:designers"],"executorGroups":["chunkgate:executors"]}}
        """;

    private const string Review = """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"bench","resource":{"group":"chunkgate.io","version":"v1alpha1","resource":"chunkjobs"},
         "namespace":"bench","name":"job","operation":"CREATE","userInfo":{"username":"alice","groups":["chunkgate:designers","system:authenticated"]},
         "object":{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"job","namespace":"bench"},
           "spec":{"connectionRef":{"name":"demo-db"},"action":"export","tables":["public.customers"],"chunking":{"table":"public.customers","keyColumn":"id","chunkSize":100},
                   "query":"SELECT id FROM customers WHERE id >= $1 AND id < $2"}},"oldObject":null,"dryRun":false}}
        """;
}
