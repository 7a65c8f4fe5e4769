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
using Npgsql;

namespace ChunkGate.Benchmarks.Controller;

/// <summary>
/// The controller as <c>make cluster</c> runs it: the real operator process (controller and
/// webhooks) on the local cluster stand-in without a kubelet, the demo database on a throwaway
/// PostgreSQL 15, every object written through the webhooks by the demo users. Measured from
/// outside, as a user would see it: a watcher of the API and queries of pg_roles.
/// <list type="bullet">
/// <item>approval → Running: 100 jobs approved at once; from each approval's create call to its job's
/// phase Running with its Secret and Pod created (role checked in pg_roles). Peer: a bare ConfigMap
/// create by the same number of concurrent callers.</item>
/// <item>expiry → revoked: the same 100 runs, each with an open session as its role (password from
/// the run's Secret) running a statement; from the approval's expiresAt to the latest of: role gone
/// from pg_roles, the session ended, Pod deleted, Secret deleted. All 100 expire within a second.</item>
/// <item>RSS of the operator process with 10,000 ChunkJobs in its caches (all reconciled); peer: its
/// RSS when ready with no job.</item>
/// </list>
/// </summary>
internal sealed class ControllerBenchSuite : IBenchSuite
{
    private const int Runs = 100;
    private const int CachedJobs = 10_000;
    private const int CreateConcurrency = 25;
    /// <summary>Long enough for 100 runs to start and their sessions to open on a loaded 2-core machine.</summary>
    private const string Ttl = "40s";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    public string Name => "controller";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        await using var installation = await OperatorInstallation.StartAsync(images: null, cancellationToken: cancellationToken);
        var process = await installation.StartOperatorAsync(cancellationToken: cancellationToken);
        await installation.WaitForConnectionAsync(TimeSpan.FromSeconds(60), cancellationToken);
        using var alice = installation.Client("alice");
        using var bob = installation.Client("bob");
        var jobs = installation.Resources<ChunkJob>(alice, ChunkGateResources.Jobs);
        var approvals = installation.Resources<ChunkApproval>(bob, ChunkGateResources.Approvals);
        var adminJobs = installation.Resources<ChunkJob>(installation.Admin, ChunkGateResources.Jobs);

        var timeline = new RunTimeline();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await WatchAsync(installation.Admin, timeline, watching.Token);
        var idle = process.Memory();

        var peer = await ConcurrentlyAsync(Runs, Runs, i => installation.Admin.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"peer-{i:000}" }, Data = new Dictionary<string, string> { ["k"] = "v" } },
            OperatorInstallation.Namespace, cancellationToken: cancellationToken));

        // 1. Approval to Running.
        var names = Enumerable.Range(0, Runs).Select(i => $"bench-{i:000}").ToList();
        await ConcurrentlyAsync(Runs, CreateConcurrency, i => jobs.CreateAsync(Job(names[i]), cancellationToken: cancellationToken));
        await UntilAsync(() => names.All(timeline.Reconciled.ContainsKey), "the 100 jobs await approval", process);
        var approvedAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var approvalCreates = await ConcurrentlyAsync(Runs, Runs, i =>
        {
            approvedAt[names[i]] = DateTimeOffset.UtcNow;
            return approvals.CreateAsync(Approval(names[i]), cancellationToken: cancellationToken);
        });
        await UntilAsync(() => names.All(timeline.Running.ContainsKey), "the 100 jobs are Running", process);
        var runs = (await adminJobs.ListAsync(OperatorInstallation.Namespace, cancellationToken: cancellationToken)).Items
            .Where(job => names.Contains(job.Metadata.Name)).ToDictionary(job => job.Metadata.Name, job => job.Status!.Run!);
        await UntilAsync(() => runs.Values.All(run => timeline.PodCreated.ContainsKey(run.Pod!) && timeline.SecretCreated.ContainsKey(run.Secret!)),
            "every run's Pod and Secret exist", process);
        var toRunning = names.Select(name => (Latest(timeline.Running[name], timeline.PodCreated[runs[name].Pod!], timeline.SecretCreated[runs[name].Secret!]) - approvedAt[name]).TotalMilliseconds).ToList();
        var roles = runs.Values.Select(run => run.Role!).ToList();
        await using var admin = new NpgsqlConnection(installation.Server.ConnectionStringFor(installation.Database));
        await admin.OpenAsync(cancellationToken);
        var existing = await ExistingRolesAsync(admin, roles, cancellationToken);
        if (existing.Count != Runs)
        {
            throw new InvalidOperationException($"{Runs - existing.Count} run role(s) are missing from pg_roles");
        }

        report.Note($"{Runs} ChunkJobs approved by {Runs} concurrent ChunkApproval creates (through the webhooks), operator process, no kubelet (as make cluster)");
        report.Figure("controller.approval_to_running.p50_ms", Percentiles.Of(toRunning, 0.50));
        report.Figure("controller.approval_to_running.p99_ms", Percentiles.Of(toRunning, 0.99));
        report.Figure("controller.approval_create.p99_ms", Percentiles.Of(approvalCreates, 0.99));
        report.Figure("controller.peer_create.p50_ms", Percentiles.Of(peer, 0.50));
        report.Figure("controller.peer_create.p99_ms", Percentiles.Of(peer, 0.99));
        report.Figure("controller.approval_to_running_over_peer_create.p99_ratio", Percentiles.Of(toRunning, 0.99) / Percentiles.Of(peer, 0.99));

        // 2. Expiry to revoked, each run holding an open session as its role.
        var sessionEnded = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var sessions = new List<(NpgsqlConnection Connection, Task Statement)>();
        foreach (var (name, run) in runs)
        {
            var secret = await installation.Admin.CoreV1.ReadNamespacedSecretAsync(run.Secret, OperatorInstallation.Namespace, cancellationToken: cancellationToken);
            var session = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(installation.Server.ConnectionStringFor(installation.Database))
            {
                Username = Encoding.UTF8.GetString(secret.Data["username"]),
                Password = Encoding.UTF8.GetString(secret.Data["password"]),
                Pooling = false,
            }.ConnectionString);
            await session.OpenAsync(cancellationToken);
            var statement = new NpgsqlCommand("SELECT pg_sleep(600)", session).ExecuteNonQueryAsync(CancellationToken.None)
                .ContinueWith(_ => sessionEnded.TryAdd(name, DateTimeOffset.UtcNow), TaskScheduler.Default);
            sessions.Add((session, statement));
        }

        var firstExpiry = runs.Values.Min(run => run.ExpiresAt!.Value);
        if (firstExpiry <= DateTimeOffset.UtcNow)
        {
            throw new InvalidOperationException($"the sessions opened after the first expiry ({firstExpiry:O}): raise the TTL");
        }

        var roleGone = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await UntilAsync(async () =>
        {
            var left = await ExistingRolesAsync(admin, roles, cancellationToken);
            foreach (var (name, run) in runs.Where(pair => !left.Contains(pair.Value.Role!)))
            {
                roleGone.TryAdd(name, DateTimeOffset.UtcNow);
            }

            return roleGone.Count == Runs && sessionEnded.Count == Runs
                && runs.Values.All(run => timeline.PodDeleted.ContainsKey(run.Pod!) && timeline.SecretDeleted.ContainsKey(run.Secret!));
        }, "every run is revoked", process, TimeSpan.FromMilliseconds(10));
        foreach (var (connection, _) in sessions)
        {
            await connection.DisposeAsync();
        }

        double Since(string name, DateTimeOffset at) => (at - runs[name].ExpiresAt!.Value).TotalMilliseconds;
        var toRevoked = names.Select(name => Since(name, Latest(roleGone[name], sessionEnded[name], timeline.PodDeleted[runs[name].Pod!], timeline.SecretDeleted[runs[name].Secret!]))).ToList();
        report.Note($"{Runs} runs expiring within {(runs.Values.Max(r => r.ExpiresAt!.Value) - firstExpiry).TotalMilliseconds:0} ms, each with an open session running a statement; pieces p99: " +
            $"role dropped {Percentiles.Of(names.Select(n => Since(n, roleGone[n])), 0.99):0} ms, session ended {Percentiles.Of(names.Select(n => Since(n, sessionEnded[n])), 0.99):0} ms, " +
            $"Pod deleted {Percentiles.Of(names.Select(n => Since(n, timeline.PodDeleted[runs[n].Pod!])), 0.99):0} ms, Secret deleted {Percentiles.Of(names.Select(n => Since(n, timeline.SecretDeleted[runs[n].Secret!])), 0.99):0} ms");
        report.Figure("controller.expiry_to_revoked.p50_ms", Percentiles.Of(toRevoked, 0.50));
        report.Figure("controller.expiry_to_revoked.p99_ms", Percentiles.Of(toRevoked, 0.99));

        // 3. Memory with 10,000 ChunkJobs cached (and reconciled: each has a status).
        var started = Stopwatch.GetTimestamp();
        await ConcurrentlyAsync(CachedJobs - Runs, CreateConcurrency, i => jobs.CreateAsync(Job($"cached-{i:00000}"), cancellationToken: cancellationToken));
        await UntilAsync(() => timeline.Reconciled.Count >= CachedJobs, "10,000 jobs are reconciled", process, TimeSpan.FromMilliseconds(500));
        report.Note($"{CachedJobs - Runs} more ChunkJobs created (through the webhooks) and reconciled in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken); // let the operator's allocations of the burst settle
        var loaded = process.Memory();
        report.Figure("controller.rss_mb_10k_jobs", loaded.Current / 1048576.0);
        report.Figure("controller.rss_peak_mb_10k_jobs", loaded.Peak / 1048576.0);
        report.Figure("controller.rss_mb_idle", idle.Current / 1048576.0);
        await watching.CancelAsync();
    }

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
    private static async Task<List<double>> ConcurrentlyAsync<T>(int count, int concurrency, Func<int, Task<T>> call)
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

    private static Task UntilAsync(Func<bool> condition, string what, OperatorProcess process) =>
        UntilAsync(() => Task.FromResult(condition()), what, process, TimeSpan.FromMilliseconds(5));

    private static Task UntilAsync(Func<bool> condition, string what, OperatorProcess process, TimeSpan interval) =>
        UntilAsync(() => Task.FromResult(condition()), what, process, interval);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, OperatorProcess process, TimeSpan interval)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException($"not reached: {what}\n{process.LogTail()}");
            }

            await Task.Delay(interval);
        }
    }

    private static async Task<HashSet<string>> ExistingRolesAsync(NpgsqlConnection admin, List<string> roles, CancellationToken cancellationToken)
    {
        await using var query = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE rolname = ANY(@roles)", admin);
        query.Parameters.AddWithValue("roles", roles.ToArray());
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    private static DateTimeOffset Latest(params DateTimeOffset[] times) => times.Max();

    private static ChunkJob Job(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = OperatorInstallation.Namespace },
        Spec = new ChunkJobSpec
        {
            ConnectionRef = new NameReference { Name = OperatorInstallation.Connection },
            Action = JobAction.Export,
            Tables = ["public.customers"],
            Chunking = new Chunking { Table = "public.customers", KeyColumn = "id", ChunkSize = 100 },
            Query = "SELECT id, name, email, city FROM customers WHERE id >= $1 AND id < $2",
        },
    };

    private static ChunkApproval Approval(string job) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{job}-bob", NamespaceProperty = OperatorInstallation.Namespace },
        Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = job }, Ttl = Ttl, Reason = "BENCH-1" },
    };
}
