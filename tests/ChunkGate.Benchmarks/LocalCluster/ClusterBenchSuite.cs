using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Hosting;
using ChunkGate.LocalCluster.Semantics;

namespace ChunkGate.Benchmarks.LocalCluster;

/// <summary>
/// The local cluster: cold start-up of <c>make cluster</c>'s program until it prints KUBECONFIG (a
/// fresh process, as a developer or CI sees it), and watch fan-out: ConfigMap updates delivered
/// over HTTPS watch streams to 10 concurrent watchers.
/// </summary>
internal sealed class ClusterBenchSuite : IBenchSuite
{
    private const int Watchers = 10;
    private const int Updates = 3_000;

    public string Name => "cluster";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var starts = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            starts.Add(await ColdStartMillisecondsAsync(cancellationToken));
        }

        starts.Sort();
        report.Note($"cold start to KUBECONFIG line, ms per run: {string.Join(", ", starts.Select(s => s.ToString("0", CultureInfo.InvariantCulture)))} (median reported)");
        report.Figure("cluster.startup_ms", starts[1]);

        await using var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions(), cancellationToken);
        await WatchFanOutAsync(cluster, report, Updates / 10, cancellationToken); // warm-up: JIT, connections
        var rates = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            rates.Add(await WatchFanOutAsync(cluster, report: null, Updates, cancellationToken));
        }

        rates.Sort();
        report.Note($"{Updates} ConfigMap updates x {Watchers} watchers over HTTPS; events/s per run: {string.Join(", ", rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} (median reported)");
        report.Figure("cluster.watch_fanout_events_per_second", rates[1]);
    }

    private static async Task<double> ColdStartMillisecondsAsync(CancellationToken cancellationToken)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "ChunkGate.LocalCluster.dll");
        var directory = Path.Combine(Path.GetTempPath(), "chunkgate-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(directory);
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (line is null || !line.StartsWith("KUBECONFIG=", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"unexpected first line: {line}; stderr: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            return elapsed;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Returns events delivered per second across all watchers.</summary>
    private static async Task<double> WatchFanOutAsync(LocalClusterHost cluster, BenchReport? report, int updates, CancellationToken cancellationToken)
    {
        var ns = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var options = RequestOptions.System("bench");
        await cluster.Resources.CreateAsync(BuiltInResources.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, options, cancellationToken);
        await cluster.Resources.CreateAsync(BuiltInResources.ConfigMaps, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "counter" }, ["data"] = new JsonObject { ["n"] = "0" } }, options, cancellationToken);
        var from = cluster.CurrentResourceVersion;

        using var http = Client(cluster);
        var readers = new List<Task<int>>();
        using var ready = new CountdownEvent(Watchers);
        for (var i = 0; i < Watchers; i++)
        {
            readers.Add(Task.Run(async () =>
            {
                using var response = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={from}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                ready.Signal();
                var received = 0;
                while (received < updates && await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.Length > 0)
                    {
                        received++;
                    }
                }

                return received;
            }, cancellationToken));
        }

        ready.Wait(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        for (var n = 1; n <= updates; n++)
        {
            var patch = new JsonObject { ["data"] = new JsonObject { ["n"] = n.ToString(CultureInfo.InvariantCulture) } };
            await cluster.Resources.PatchAsync(BuiltInResources.ConfigMaps, ns, "counter", "", "application/merge-patch+json", patch, false, options, cancellationToken);
        }

        var counts = await Task.WhenAll(readers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (counts.Any(c => c != updates))
        {
            throw new InvalidOperationException($"watchers received {string.Join(",", counts)} of {updates} events");
        }

        report?.Note($"warm-up: {updates} updates x {Watchers} watchers in {elapsed:0.00}s");
        return updates * Watchers / elapsed;
    }

    private static HttpClient Client(LocalClusterHost cluster)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(cluster.CaCertificatePem);
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Watchers + 2 };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
        var http = new HttpClient(handler) { BaseAddress = cluster.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Tokens["admin"]);
        return http;
    }
}
