using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChunkGate.LocalCluster.Hosting;
using ChunkGate.Operator.Hosting;
using ChunkGate.Operator.Tests.Installation;
using k8s;

namespace ChunkGate.Benchmarks.Webhooks;

/// <summary>
/// Admission latency as the API server sees it: AdmissionReviews (a ChunkJob create by a designer,
/// mutating webhook, which reads the job's DataConnection) posted over HTTPS by
/// 50 concurrent callers to the webhook of the real operator process (as <c>make cluster</c> starts
/// it: its own runtime settings, GC included) against a local cluster; the DataConnection comes from
/// the operator's informer cache. The peers, in the same run and with the same concurrency: a plain
/// GET of that DataConnection from the local cluster (what every review did before the cache), and a
/// review over the same HTTPS path that reads nothing (the floor: TLS, Kestrel, JSON).
/// Besides latency, the CPU time per review of the operator process and of this one (the callers and
/// the local cluster): the callers share the machine's cores with the operator, and CPU per review
/// stays comparable on a loaded machine where latencies do not.
/// </summary>
internal sealed class WebhookBenchSuite : IBenchSuite
{
    private const int Concurrency = 50;
    private const int Requests = 5_000;
    private const int Rounds = 5;

    /// <summary>What the operator may spend when nobody calls it (leader election, reconciles) for the CPU figures to be its reviews'.</summary>
    private const double IdleMillisecondsPerSecond = 20;

    public string Name => "webhook";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions { Manifests = [Crds()] }, cancellationToken);
        var (settings, error) = OperatorSettingsParser.Parse([$"--kubeconfig={cluster.KubeconfigPath}"], _ => null);
        if (settings is null)
        {
            throw new InvalidOperationException(error);
        }

        var kubernetes = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath, currentContext: "admin"));
        await CreateAsync(kubernetes, settings.OperatorNamespace, cancellationToken);
        await CreateAsync(kubernetes, "bench", cancellationToken);
        await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync(KubernetesJson.Deserialize<object>(Connection), "chunkgate.io", "v1alpha1", "bench", "dataconnections", cancellationToken: cancellationToken);

        var directory = Directory.CreateTempSubdirectory("chunkgate-webhook-bench-").FullName;
        try
        {
            await MeasureOperatorAsync(report, cluster.KubeconfigPath, Path.Combine(directory, "operator.log"), kubernetes, cancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task MeasureOperatorAsync(BenchReport report, string kubeconfig, string log, k8s.Kubernetes kubernetes, CancellationToken cancellationToken)
    {
        await using var operatorProcess = await OperatorProcess.StartAsync(kubeconfig, log, [], new Dictionary<string, string>(), cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            MaxConnectionsPerServer = Concurrency,
        });

        var webhook = new Uri($"https://127.0.0.1:{operatorProcess.WebhookPort}/mutate/chunkjobs");
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
        var bare = new Uri($"https://127.0.0.1:{operatorProcess.WebhookPort}/validate/status");
        Func<Task> unread = async () =>
        {
            using var content = new StringContent(Review, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(bare, content, cancellationToken);
            response.EnsureSuccessStatusCode();
        };
        Func<Task> lookup = async () => await kubernetes.CustomObjects.GetNamespacedCustomObjectAsync("chunkgate.io", "v1alpha1", "bench", "dataconnections", "demo-db", cancellationToken);

        var operatorPid = operatorProcess.Id;
        await MeasureAsync(review, Requests / 10, operatorPid, cancellationToken); // warm-up: JIT, TLS connections
        await MeasureAsync(lookup, Requests / 10, operatorPid, cancellationToken);
        await MeasureAsync(unread, Requests / 10, operatorPid, cancellationToken);
        var (settled, idlePerSecond) = await SettleAsync(operatorPid, cancellationToken);

        // Interleaved rounds, so that a burst of load from elsewhere on the machine (or a late JIT tier-up) does not fall on one of the three alone.
        Measurement reviews = new(), lookups = new(), unreads = new();
        for (var round = 0; round < Rounds; round++)
        {
            reviews.Add(await MeasureAsync(review, Requests / Rounds, operatorPid, cancellationToken));
            lookups.Add(await MeasureAsync(lookup, Requests / Rounds, operatorPid, cancellationToken));
            unreads.Add(await MeasureAsync(unread, Requests / Rounds, operatorPid, cancellationToken));
        }

        report.Note($"{Requests} ChunkJob create reviews by {Concurrency} concurrent callers over HTTPS to the operator process; peers, same concurrency: GET DataConnection from the local cluster, and a review that reads nothing");
        report.Note(string.Create(CultureInfo.InvariantCulture, $"operator idle after the warm-up: {idlePerSecond:0.#} ms CPU per second, after {settled.TotalSeconds:0} s of settling; CPU per review: operator = the operator process, caller = this process (HTTPS callers and the local cluster)"));
        report.Figure("webhook.admission.p50_ms", reviews.Percentile(0.50));
        report.Figure("webhook.peer_no_read.p50_ms", unreads.Percentile(0.50));
        report.Figure("webhook.admission.p99_ms", reviews.Percentile(0.99));
        report.Figure("webhook.peer_lookup.p99_ms", lookups.Percentile(0.99));
        report.Figure("webhook.peer_no_read.p99_ms", unreads.Percentile(0.99));
        report.Figure("webhook.admission_over_lookup.p99_ratio", reviews.Percentile(0.99) / lookups.Percentile(0.99));
        report.Figure("webhook.admission_over_no_read.p99_ratio", reviews.Percentile(0.99) / unreads.Percentile(0.99));
        report.Figure("webhook.admission.operator_cpu_us", reviews.OperatorCpuMicroseconds);
        report.Figure("webhook.peer_no_read.operator_cpu_us", unreads.OperatorCpuMicroseconds);
        report.Figure("webhook.admission_over_no_read.operator_cpu_ratio", reviews.OperatorCpuMicroseconds / unreads.OperatorCpuMicroseconds);
        report.Figure("webhook.admission.caller_cpu_us", reviews.CallerCpuMicroseconds);
        report.Figure("webhook.peer_no_read.caller_cpu_us", unreads.CallerCpuMicroseconds);
    }

    /// <summary>
    /// Waits until the operator is idle after the warm-up: for seconds afterwards (more on a loaded
    /// machine) the runtime recompiles the hot methods with full optimisation in the background, and
    /// that CPU time, counted against the first round, made admission look 3 times its cost.
    /// </summary>
    private static async Task<(TimeSpan Waited, double IdleMillisecondsPerSecond)> SettleAsync(int operatorPid, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(1);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var from = ProcessCpu.Of(operatorPid);
            await Task.Delay(window, cancellationToken);
            var idle = (ProcessCpu.Of(operatorPid) - from) / window * 1000;
            if (idle <= IdleMillisecondsPerSecond || Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
            {
                return (Stopwatch.GetElapsedTime(started), idle);
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(Func<Task> call, int count, int operatorPid, CancellationToken cancellationToken)
    {
        var latencies = new List<double>(count);
        var next = 0;
        var (operatorFrom, callerFrom) = (ProcessCpu.Of(operatorPid), ProcessCpu.Of(Environment.ProcessId));
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

        var measured = new Measurement();
        measured.Add(latencies, ProcessCpu.Of(operatorPid) - operatorFrom, ProcessCpu.Of(Environment.ProcessId) - callerFrom);
        cancellationToken.ThrowIfCancellationRequested();
        return measured;
    }

    /// <summary>Latencies of calls and the CPU time both processes used while they ran.</summary>
    private sealed class Measurement
    {
        private readonly List<double> latencies = [];
        private TimeSpan operatorCpu;
        private TimeSpan callerCpu;

        public double OperatorCpuMicroseconds => operatorCpu.TotalMicroseconds / latencies.Count;

        public double CallerCpuMicroseconds => callerCpu.TotalMicroseconds / latencies.Count;

        public void Add(Measurement other) => Add(other.latencies, other.operatorCpu, other.callerCpu);

        public void Add(IEnumerable<double> more, TimeSpan operatorTime, TimeSpan callerTime)
        {
            latencies.AddRange(more);
            operatorCpu += operatorTime;
            callerCpu += callerTime;
        }

        public double Percentile(double p) => Percentiles.Of(latencies, p);
    }

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
