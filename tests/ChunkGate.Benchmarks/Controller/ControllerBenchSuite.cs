using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Tests.Installation;
using k8s;
using k8s.Models;
using ChunkGate.Operator.Admission;
using Npgsql;

namespace ChunkGate.Benchmarks.Controller;

/// <summary>
/// The controller as <c>make cluster</c> runs it: the real operator process (controller and
/// webhooks) on the local cluster stand-in without a kubelet, the demo database on a throwaway
/// PostgreSQL 15, jobs and approvals written through the webhooks by the demo users. Measured from
/// outside, as a user would see it: a watcher of the API and queries of pg_roles.
/// <list type="bullet">
/// <item>approval → Running: from an approval's create call to its job's phase Running with its
/// Secret and Pod created (roles checked in pg_roles); 100 jobs approved at once, and, as the
/// same-run reference, 5 jobs approved one at a time. Peer: a bare ConfigMap create by 100
/// concurrent callers.</item>
/// <item>expiry → revoked: each run holding an open session as its role (password from the run's
/// Secret) with a statement running; from the approval's expiresAt to the latest of: role gone from
/// pg_roles, the session ended, Pod deleted, Secret deleted. The 100 expire in the same second;
/// the 5 one by one.</item>
/// <item>RSS of the operator process with 10,000 ChunkJobs in its caches (9,900 written before it
/// starts, bypassing the webhooks, then reconciled; plus the 105 above); peer: its RSS when ready
/// with no job.</item>
/// </list>
/// </summary>
internal sealed class ControllerBenchSuite : IBenchSuite
{
    private const int Burst = 100;
    private const int Singles = 5;
    private const int CachedJobs = 10_000;
    private const int CreateConcurrency = 25;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public string Name => "controller";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        await using var installation = await OperatorInstallation.StartAsync(images: null, cancellationToken: cancellationToken);
        var process = await installation.StartOperatorAsync(cancellationToken: cancellationToken);
        try
        {
            await MeasureAsync(installation, process, report, cancellationToken);
        }
        finally
        {
            // The operator's JSON log, for a look at where the time went (the installation's directory goes at the end).
            if (Environment.GetEnvironmentVariable("CHUNKGATE_BENCH_LOGS") is { Length: > 0 } keep)
            {
                Directory.CreateDirectory(keep);
                File.Copy(process.LogPath, Path.Combine(keep, "controller-operator.log"), overwrite: true);
            }
        }
    }

    private static async Task MeasureAsync(OperatorInstallation installation, OperatorProcess process, BenchReport report, CancellationToken cancellationToken)
    {
        report.Note($"load average at start: {LoadAverage()}");
        await installation.WaitForConnectionAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var idle = process.Memory();

        // The jobs that only fill the caches go in while the operator is down and its webhooks are
        // unregistered (stamped as the webhook would): reconciling them at start is the same work
        // as reconciling them one by one, and creating 9,900 through the webhooks took minutes here.
        await process.StopAsync();
        await installation.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync("chunkgate-webhook", cancellationToken: cancellationToken);
        await installation.Admin.AdmissionregistrationV1.DeleteValidatingWebhookConfigurationAsync("chunkgate-webhook", cancellationToken: cancellationToken);
        var adminJobs = installation.Resources<ChunkJob>(installation.Admin, ChunkGateResources.Jobs);
        var cached = CachedJobs - Burst - Singles;
        await ConcurrentlyAsync(cached, CreateConcurrency, i => adminJobs.CreateAsync(OperatorInstallation.Job($"cached-{i:00000}", designer: "alice"), cancellationToken: cancellationToken));
        var peer = await ConcurrentlyAsync(Burst, Burst, i => installation.Admin.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"peer-{i:000}" }, Data = new Dictionary<string, string> { ["k"] = "v" } },
            OperatorInstallation.Namespace, cancellationToken: cancellationToken));

        var timeline = new RunTimeline();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await WatchAsync(installation.Admin, timeline, watching.Token);
        var restarted = Stopwatch.GetTimestamp();
        process = await installation.StartOperatorAsync(cancellationToken: cancellationToken);
        await UntilAsync(() => timeline.Reconciled.Count >= cached, $"the {cached} cached jobs are reconciled", process, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(20));
        report.Note($"operator started with {cached} ChunkJobs stored: ready and all reconciled in {Stopwatch.GetElapsedTime(restarted).TotalSeconds:0} s");

        await using var admin = new NpgsqlConnection(installation.Server.ConnectionStringFor(installation.Database));
        await admin.OpenAsync(cancellationToken);
        var runs = new RunMeasurement(installation, process, timeline, admin, await NodeCpu.ForAsync(process, admin, cancellationToken));
        var singles = await runs.MeasureAsync([.. Enumerable.Range(0, Singles).Select(i => $"single-{i}")], atOnce: false, ttl: "90s", cancellationToken);
        var burst = await runs.MeasureAsync([.. Enumerable.Range(0, Burst).Select(i => $"burst-{i:000}")], atOnce: true, ttl: "3m", cancellationToken);

        report.Note($"{Burst} ChunkJobs approved by {Burst} concurrent ChunkApproval creates (through the webhooks); operator process, no kubelet (as make cluster), {CachedJobs} jobs cached");
        report.Figure("controller.approval_to_running.p50_ms", Percentiles.Of(burst.ToRunning, 0.50));
        report.Figure("controller.approval_to_running.p99_ms", Percentiles.Of(burst.ToRunning, 0.99));
        report.Figure("controller.approval_create.p99_ms", Percentiles.Of(burst.ApprovalCreates, 0.99));
        report.Figure("controller.peer_create.p50_ms", Percentiles.Of(peer, 0.50));
        report.Figure("controller.peer_create.p99_ms", Percentiles.Of(peer, 0.99));
        report.Figure("controller.approval_to_running_over_peer_create.p99_ratio", Percentiles.Of(burst.ToRunning, 0.99) / Percentiles.Of(peer, 0.99));
        report.Figure("controller.cpu_ms_per_run.approval_to_running", burst.CpuToRunning.Operator.TotalMilliseconds / Burst);
        ReportNode(report, "approval_to_running", burst.CpuToRunning);
        report.Note($"{Singles} ChunkJobs approved one at a time (the same run's reference)");
        report.Figure("controller.single.approval_to_running.p50_ms", Percentiles.Of(singles.ToRunning, 0.50));
        report.Figure("controller.single.approval_to_running.max_ms", singles.ToRunning.Max());
        report.Note($"{Burst} runs expiring in the same second, each with an open session running a statement; {burst.Pieces}");
        report.Figure("controller.expiry_to_revoked.p50_ms", Percentiles.Of(burst.ToRevoked, 0.50));
        report.Figure("controller.expiry_to_revoked.p99_ms", Percentiles.Of(burst.ToRevoked, 0.99));
        report.Figure("controller.cpu_ms_per_run.expiry_to_revoked", burst.CpuToRevoked.Operator.TotalMilliseconds / Burst);
        ReportNode(report, "expiry_to_revoked", burst.CpuToRevoked);
        report.Note($"{Singles} runs expiring one by one; {singles.Pieces}");
        report.Figure("controller.single.expiry_to_revoked.p50_ms", Percentiles.Of(singles.ToRevoked, 0.50));
        report.Figure("controller.single.expiry_to_revoked.max_ms", singles.ToRevoked.Max());
        report.Note($"operator CPU per run, one at a time: to Running {singles.CpuToRunning.Operator.TotalMilliseconds / Singles:0} ms, to revoked {singles.CpuToRevoked.Operator.TotalMilliseconds / Singles:0} ms; load average now: {LoadAverage()}");

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken); // let the allocations of the last burst settle
        var loaded = process.Memory();
        report.Note($"operator RSS with {timeline.Reconciled.Count} ChunkJobs cached and reconciled; peer: the same process when ready with none");
        report.Figure("controller.rss_mb_10k_jobs", loaded.Current / 1048576.0);
        report.Figure("controller.rss_peak_mb_10k_jobs", loaded.Peak / 1048576.0);
        report.Figure("controller.rss_mb_idle", idle.Current / 1048576.0);
        report.Note($"operator CPU in all: {process.CpuTime().TotalSeconds:0.0} s; load average at the end: {LoadAverage()}");
        await watching.CancelAsync();
    }

    /// <summary>
    /// The node's CPU per run of the burst, by process, and the shortest the burst could take on
    /// this machine's cores if nothing but its CPU limited it (the bound the latency goals meet here).
    /// </summary>
    private static void ReportNode(BenchReport report, string phase, NodeCpu.Sample cpu)
    {
        report.Note($"node CPU per run ({phase}): operator {cpu.Operator.TotalMilliseconds / Burst:0} ms, API server with the bench's clients {cpu.ApiServerAndBench.TotalMilliseconds / Burst:0} ms, PostgreSQL {cpu.Postgres.TotalMilliseconds / Burst:0} ms");
        report.Figure($"controller.node_cpu_ms_per_run.{phase}", cpu.Total.TotalMilliseconds / Burst);
        report.Figure($"controller.node_cpu_bound_ms.{phase}", cpu.Total.TotalMilliseconds / Environment.ProcessorCount);
        // The same bound if the operator's CPU were zero: what the API server and PostgreSQL alone need on these cores.
        report.Figure($"controller.node_cpu_bound_ms_without_operator.{phase}", (cpu.Total - cpu.Operator).TotalMilliseconds / Environment.ProcessorCount);
    }

    /// <summary>The machine's load (1, 5, 15 min): the figures are only comparable between runs under similar load.</summary>
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static async Task WatchAsync(k8s.Kubernetes client, RunTimeline timeline, CancellationToken cancellationToken)
    {
        var listWatch = new ListWatchOptions { Namespace = OperatorInstallation.Namespace };
        var jobs = new Informer<ChunkJob>(new ApiListWatch<ChunkJob>(client, ChunkGateResources.Jobs, listWatch));
        var pods = new Informer<V1Pod>(new ApiListWatch<V1Pod>(client, ResourceType.Pods, listWatch));
        var secrets = new Informer<V1Secret>(new ApiListWatch<V1Secret>(client, ResourceType.Secrets, listWatch));
        jobs.AddHandler(timeline.Jobs);
        pods.AddHandler(timeline.Pods);
        secrets.AddHandler(timeline.Secrets);
        _ = jobs.RunAsync(cancellationToken);
        _ = pods.RunAsync(cancellationToken);
        _ = secrets.RunAsync(cancellationToken);
        await Task.WhenAll(jobs.WaitForSyncAsync(cancellationToken), pods.WaitForSyncAsync(cancellationToken), secrets.WaitForSyncAsync(cancellationToken));
    }

    /// <summary>Runs <paramref name="count"/> calls, at most <paramref name="concurrency"/> at once; each call's latency in ms.</summary>
    internal static async Task<List<double>> ConcurrentlyAsync<T>(int count, int concurrency, Func<int, Task<T>> call)
    {
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                await call(i);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        return [.. latencies];
    }

    internal static async Task UntilAsync(Func<Task<bool>> condition, string what, OperatorProcess process, TimeSpan interval, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"not reached: {what}\n{process.LogTail()}");
            }

            await Task.Delay(interval);
        }
    }

    internal static Task UntilAsync(Func<bool> condition, string what, OperatorProcess process, TimeSpan interval, TimeSpan? patience = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, process, interval, patience);
}
