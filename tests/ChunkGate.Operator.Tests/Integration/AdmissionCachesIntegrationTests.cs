using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Webhooks;
using ChunkGate.Testing.Waiting;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>What admission reads from the controller's caches, on the local cluster: copies that go with their objects, and a connection's live runs named without copying its jobs.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class AdmissionCachesIntegrationTests
{
    [Test]
    public async Task AReviewedJobsCopy_GoesWhenTheJobChangesOrIsDeleted()
    {
        await using var world = await ControllerHarness.StartAsync("copies", startController: false);
        using var stop = new CancellationTokenSource();
        var caches = new ControllerCaches(world.Client, world.Options("copies"), TimeProvider.System, NullLoggerFactory.Instance);
        var copies = new VersionedCopies<ChunkJob>(caches.Jobs);
        var running = caches.RunAsync(stop.Token);
        try
        {
            await world.CreateJobAsync("kept");
            await world.CreateJobAsync("gone");
            await Eventually.TrueAsync(() => copies.Get(world.Namespace, "kept") is not null && copies.Get(world.Namespace, "gone") is not null, "both jobs are cached and copied");
            copies.Count.Should().Be(2);
            copies.Get(world.Namespace, "kept").Should().BeSameAs(copies.Get(world.Namespace, "kept"), "one copy per resourceVersion is shared");

            await world.Jobs.DeleteAsync(world.Namespace, "gone");
            await Eventually.TrueAsync(() => copies.Count == 1, "the deleted job's copy is dropped without anyone asking for it again");

            var before = copies.Get(world.Namespace, "kept")!;
            var job = await world.JobAsync("kept");
            job.Metadata.Labels = new Dictionary<string, string> { ["changed"] = "yes" };
            await world.Jobs.ReplaceAsync(job);
            await Eventually.TrueAsync(() => copies.Count == 0, "the changed job's stale copy is dropped");
            copies.Get(world.Namespace, "kept")!.Metadata.ResourceVersion.Should().NotBe(before.Metadata.ResourceVersion);
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Test]
    public async Task AConnectionsRunningJobs_AreNamedFromTheCache()
    {
        await using var world = await ControllerHarness.StartAsync("live-runs", startController: false);
        using var stop = new CancellationTokenSource();
        var caches = new ControllerCaches(world.Client, world.Options("live-runs"), TimeProvider.System, NullLoggerFactory.Instance);
        var lookup = new CachedAdmissionLookup(caches, new ApiAdmissionLookup(world.Client));
        var running = caches.RunAsync(stop.Token);
        try
        {
            await world.CreateJobAsync("idle");
            var live = await world.CreateJobAsync("live");
            live.Status = new ChunkJobStatus { Phase = JobPhase.Running };
            await world.Jobs.ReplaceStatusAsync(live, "test");
            var other = await world.CreateJobAsync("elsewhere");
            other.Spec.ConnectionRef.Name = "other-db";
            other = await world.Jobs.ReplaceAsync(other);
            other.Status = new ChunkJobStatus { Phase = JobPhase.Running };
            await world.Jobs.ReplaceStatusAsync(other, "test");
            await Eventually.TrueAsync(() => caches.Jobs.HasSynced
                && caches.Jobs.Get(world.Namespace, "elsewhere")?.Status?.Phase == JobPhase.Running
                && caches.Jobs.Get(world.Namespace, "live")?.Status?.Phase == JobPhase.Running, "the statuses are cached");

            (await lookup.RunningJobsOfConnectionAsync(world.Namespace, ControllerHarness.Connection, CancellationToken.None)).Should().Equal("live");
            (await new ApiAdmissionLookup(world.Client).RunningJobsOfConnectionAsync(world.Namespace, ControllerHarness.Connection, CancellationToken.None))
                .Should().Equal("live");
        }
        finally
        {
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
