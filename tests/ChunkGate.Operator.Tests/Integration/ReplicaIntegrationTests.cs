using System.Diagnostics.Metrics;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Testing.Waiting;
using k8s.Models;
using Npgsql;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>Two replicas, restarts and orphans: one leader at a time, nothing issued twice, nothing left behind (rule 8).</summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class ReplicaIntegrationTests
{
    [Test]
    public async Task ControllerRestartMidRun_IssuesNoSecondCredential()
    {
        await using var world = await ControllerHarness.StartAsync("restart");
        var first = ControllerHarnessHost(world);
        var job = await world.CreateJobAsync("resumed");
        await world.ApproveAsync(job, "bob");
        var run = await RunLifecycleIntegrationTests.RunningAsync(world, "resumed");
        var secret = (await world.SecretAsync(run.Secret!))!;
        await world.StopControllerAsync(first);

        using var reconciles = new JobReconcileCounter();
        var second = await world.StartControllerAsync("replica-b");
        await Eventually.TrueAsync(() => ControllerHarness.Service(second).IsLeading, "the new replica leads", ControllerHarness.Patience);
        await Eventually.TrueAsync(() => reconciles.Count > 0, "the new replica reconciled the job", ControllerHarness.Patience);

        (await world.SecretAsync(run.Secret!))!.Metadata.Uid.Should().Be(secret.Metadata.Uid, "the Secret was not recreated");
        await using (var session = await world.OpenRunSessionAsync(secret))
        {
            // The password in the first Secret still logs in: the role was not issued a new one.
            await using var probe = new NpgsqlCommand("SELECT current_user", session);
            (await probe.ExecuteScalarAsync()).Should().Be(run.Role);
        }

        await using var admin = NpgsqlDataSource.Create(world.Server.ConnectionStringFor(world.Database));
        var ledger = await new CredentialBroker(admin, TimeProvider.System).LedgerAsync();
        ledger.Where(entry => entry.Name == "resumed").Should().ContainSingle("one run, one credential");
        (await world.EventsAsync("resumed")).Count(e => e.Reason == "CredentialsIssued").Should().Be(1);
        (await world.JobAsync("resumed")).Status!.Should().Match<ChunkJobStatus>(s => s.Phase == JobPhase.Running && s.RunsStarted == 1 && s.Run!.Id == "r1");
    }

    [Test]
    public async Task TwoReplicas_OneLeads_AndTheOtherTakesOverWhenItStops()
    {
        await using var world = await ControllerHarness.StartAsync("election");
        var a = ControllerHarnessHost(world);
        await Eventually.TrueAsync(() => ControllerHarness.Service(a).IsLeading, "the first replica leads", ControllerHarness.Patience);
        var b = await world.StartControllerAsync("replica-b");
        await Eventually.TrueAsync(() => ControllerHarness.Service(b).IsReady(), "the standby's caches are warm", ControllerHarness.Patience);
        ControllerHarness.Service(b).IsLeading.Should().BeFalse("one leader at a time");

        var job = await world.CreateJobAsync("handed-over");
        await world.ApproveAsync(job, "bob");
        var run = await RunLifecycleIntegrationTests.RunningAsync(world, "handed-over");

        await world.StopControllerAsync(a);
        await Eventually.TrueAsync(() => ControllerHarness.Service(b).IsLeading, "the standby takes over", ControllerHarness.Patience);

        // The new leader acts: a spec change revokes the run it did not start.
        var current = await world.JobAsync("handed-over");
        current.Spec.Chunking.ChunkSize = 99;
        await world.Jobs.ReplaceAsync(current);
        await world.WaitForJobAsync("handed-over", j => j.Status?.Run?.FinishedAt is not null, "the new leader ends the run");
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse();
    }

    [Test]
    public async Task SweepAtLeadershipStart_RevokesTheRoleOfAJobThatVanishedWhileNoControllerRan()
    {
        await using var world = await ControllerHarness.StartAsync("orphan");
        var first = ControllerHarnessHost(world);
        var job = await world.CreateJobAsync("vanished");
        await world.ApproveAsync(job, "bob");
        var run = await RunLifecycleIntegrationTests.RunningAsync(world, "vanished");
        var liveJob = await world.CreateJobAsync("alive");
        await world.ApproveAsync(liveJob, "carol");
        var liveRun = await RunLifecycleIntegrationTests.RunningAsync(world, "alive");
        await world.StopControllerAsync(first);

        // The job disappears without its finalizer's revocation (as if someone stripped it).
        await world.Jobs.PatchAsync(world.Namespace, "vanished", new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch));
        await world.Jobs.DeleteAsync(world.Namespace, "vanished");
        await Eventually.TrueAsync(async () => await world.Jobs.TryGetAsync(world.Namespace, "vanished") is null, "the job is gone", ControllerHarness.Patience);
        (await world.RoleExistsAsync(run.Role!)).Should().BeTrue("nothing revoked it yet");

        // Past the sweep's grace for fresh roles, a new leader sweeps at once.
        world.Clock.Advance(TimeSpan.FromMinutes(3));
        await world.StartControllerAsync("replica-b");

        await Eventually.TrueAsync(async () => !await world.RoleExistsAsync(run.Role!), "the sweep revokes the orphaned role", ControllerHarness.Patience, TimeSpan.FromMilliseconds(100));
        // The same sweep judged the live run by the caches (past the grace for fresh roles) and left it alone.
        (await world.RoleExistsAsync(liveRun.Role!)).Should().BeTrue("a run the caches show as live is not swept");
    }

    private static Microsoft.Extensions.Hosting.IHost ControllerHarnessHost(ControllerHarness world) => world.Hosts[0];

    /// <summary>Counts ChunkJob reconciles in this process (one controller runs at a time in these tests).</summary>
    private sealed class JobReconcileCounter : IDisposable
    {
        private readonly MeterListener listener = new();
        private int count;

        public JobReconcileCounter()
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "chunkgate.controller.reconciles")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "kind" && (string?)tag.Value == "ChunkJob")
                    {
                        Interlocked.Increment(ref count);
                    }
                }
            });
            listener.Start();
        }

        public int Count => Volatile.Read(ref count);

        public void Dispose() => listener.Dispose();
    }
}
