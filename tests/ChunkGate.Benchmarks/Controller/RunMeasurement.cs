using System.Collections.Concurrent;
using System.Text;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Tests.Installation;
using k8s;
using k8s.Models;
using Npgsql;

namespace ChunkGate.Benchmarks.Controller;

/// <summary>
/// A group of runs measured end to end: jobs created by alice, approved by bob (all at once or
/// one at a time), each run then holding a session as its role until its approval expires.
/// </summary>
internal sealed class RunMeasurement(OperatorInstallation installation, OperatorProcess process, RunTimeline timeline, NpgsqlConnection admin, NodeCpu node)
{
    /// <param name="CpuToRunning">CPU on the node from the first approval to every run Running, its session open.</param>
    /// <param name="CpuToRevoked">CPU on the node from the first expiry to every run revoked.</param>
    public sealed record Result(List<double> ToRunning, List<double> ApprovalCreates, List<double> ToRevoked, string Pieces, NodeCpu.Sample CpuToRunning, NodeCpu.Sample CpuToRevoked);

    public async Task<Result> MeasureAsync(IReadOnlyList<string> names, bool atOnce, string ttl, CancellationToken cancellationToken)
    {
        using var alice = installation.Client("alice");
        using var bob = installation.Client("bob");
        var jobs = installation.Resources<ChunkJob>(alice, ChunkGateResources.Jobs);
        var approvals = installation.Resources<ChunkApproval>(bob, ChunkGateResources.Approvals);
        await ControllerBenchSuite.ConcurrentlyAsync(names.Count, 25, i => jobs.CreateAsync(OperatorInstallation.Job(names[i]), cancellationToken: cancellationToken));
        await ControllerBenchSuite.UntilAsync(() => names.All(timeline.Reconciled.ContainsKey), "the jobs await approval", process, TimeSpan.FromMilliseconds(5));

        // Each run holds a session as its role (one at a time: as soon as it starts; a burst: once all
        // have started), with a statement running until revoked.
        var sessionEnded = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var sessions = new ConcurrentBag<NpgsqlConnection>();
        async Task<RunStatus> StartedWithSessionAsync(string name)
        {
            var run = await StartedAsync(name, cancellationToken);
            sessions.Add(await OpenSessionAsync(run, () => sessionEnded.TryAdd(name, DateTimeOffset.UtcNow), cancellationToken));
            return run;
        }

        var cpuBefore = node.Take();
        var approvedAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var runs = new ConcurrentDictionary<string, RunStatus>(StringComparer.Ordinal);
        var creates = await ControllerBenchSuite.ConcurrentlyAsync(names.Count, atOnce ? names.Count : 1, async i =>
        {
            approvedAt[names[i]] = DateTimeOffset.UtcNow;
            await approvals.CreateAsync(new ChunkApproval
            {
                Metadata = new V1ObjectMeta { Name = $"{names[i]}-bob", NamespaceProperty = OperatorInstallation.Namespace },
                Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = names[i] }, Ttl = ttl, Reason = "BENCH-1" },
            }, cancellationToken: cancellationToken);
            if (!atOnce)
            {
                runs[names[i]] = await StartedWithSessionAsync(names[i]);
            }

            return 0;
        });
        foreach (var name in names.Where(name => !runs.ContainsKey(name)))
        {
            runs[name] = await StartedAsync(name, cancellationToken);
        }

        var cpuToRunning = node.Take() - cpuBefore;
        if (atOnce)
        {
            // Opened once every run of the burst is Running: 100 logins during the burst competed
            // with it for the node's CPU, and counted in its CPU. Minutes before any expiry.
            foreach (var name in names)
            {
                sessions.Add(await OpenSessionAsync(runs[name], () => sessionEnded.TryAdd(name, DateTimeOffset.UtcNow), cancellationToken));
            }
        }
        var toRunning = names.Select(name => (Latest(timeline.Running[name], timeline.PodCreated[runs[name].Pod!], timeline.SecretCreated[runs[name].Secret!]) - approvedAt[name]).TotalMilliseconds).ToList();
        var roles = runs.Values.Select(run => run.Role!).ToList();
        if ((await ExistingRolesAsync(roles, cancellationToken)).Count != names.Count)
        {
            throw new InvalidOperationException("a Running job's role is missing from pg_roles");
        }

        var firstExpiry = runs.Values.Min(run => run.ExpiresAt!.Value);
        if (firstExpiry > DateTimeOffset.UtcNow)
        {
            await Task.Delay(firstExpiry - DateTimeOffset.UtcNow, cancellationToken);
        }

        var cpuAtExpiry = node.Take();
        var roleGone = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await ControllerBenchSuite.UntilAsync(async () =>
        {
            var left = await ExistingRolesAsync(roles, cancellationToken);
            foreach (var (name, run) in runs.Where(pair => !left.Contains(pair.Value.Role!)))
            {
                roleGone.TryAdd(name, DateTimeOffset.UtcNow);
            }

            return roleGone.Count == names.Count && sessionEnded.Count == names.Count
                && runs.Values.All(run => timeline.PodDeleted.ContainsKey(run.Pod!) && timeline.SecretDeleted.ContainsKey(run.Secret!));
        }, "every run is revoked", process, TimeSpan.FromMilliseconds(10));
        var cpuToRevoked = node.Take() - cpuAtExpiry;
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        double Since(string name, DateTimeOffset at) => (at - runs[name].ExpiresAt!.Value).TotalMilliseconds;
        var toRevoked = names.Select(name => Since(name, Latest(roleGone[name], sessionEnded[name], timeline.PodDeleted[runs[name].Pod!], timeline.SecretDeleted[runs[name].Secret!]))).ToList();
        var pieces = $"pieces p99 after expiresAt: role dropped {Percentiles.Of(names.Select(n => Since(n, roleGone[n])), 0.99):0} ms, " +
            $"session ended {Percentiles.Of(names.Select(n => Since(n, sessionEnded[n])), 0.99):0} ms, " +
            $"Pod deleted {Percentiles.Of(names.Select(n => Since(n, timeline.PodDeleted[runs[n].Pod!])), 0.99):0} ms, " +
            $"Secret deleted {Percentiles.Of(names.Select(n => Since(n, timeline.SecretDeleted[runs[n].Secret!])), 0.99):0} ms";
        return new Result(toRunning, creates, toRevoked, pieces, cpuToRunning, cpuToRevoked);
    }

    /// <summary>A session as the run's role (password from its Secret, as the sidecar reads it), running a statement that only revocation ends.</summary>
    private async Task<NpgsqlConnection> OpenSessionAsync(RunStatus run, Action ended, CancellationToken cancellationToken)
    {
        var secret = await installation.Admin.CoreV1.ReadNamespacedSecretAsync(run.Secret, OperatorInstallation.Namespace, cancellationToken: cancellationToken);
        var session = new NpgsqlConnection(installation.RunSessionConnectionString(secret));
        await session.OpenAsync(cancellationToken);
        // No command timeout: Npgsql's default (30 s) ended the statement before expiry in an earlier run.
        _ = new NpgsqlCommand("SELECT pg_sleep(600)", session) { CommandTimeout = 0 }.ExecuteNonQueryAsync(CancellationToken.None).ContinueWith(_ => ended(), TaskScheduler.Default);
        return session;
    }

    /// <summary>Waits for the job's phase Running and its run's Secret and Pod; returns the run.</summary>
    private async Task<RunStatus> StartedAsync(string name, CancellationToken cancellationToken)
    {
        await ControllerBenchSuite.UntilAsync(() => timeline.Running.ContainsKey(name), $"{name} is Running", process, TimeSpan.FromMilliseconds(5));
        var run = (await installation.Resources<ChunkJob>(installation.Admin, ChunkGateResources.Jobs).GetAsync(OperatorInstallation.Namespace, name, cancellationToken)).Status!.Run!;
        await ControllerBenchSuite.UntilAsync(() => timeline.PodCreated.ContainsKey(run.Pod!) && timeline.SecretCreated.ContainsKey(run.Secret!),
            $"the Pod and Secret of {name} exist", process, TimeSpan.FromMilliseconds(5));
        return run;
    }

    private async Task<HashSet<string>> ExistingRolesAsync(List<string> roles, CancellationToken cancellationToken)
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
}
