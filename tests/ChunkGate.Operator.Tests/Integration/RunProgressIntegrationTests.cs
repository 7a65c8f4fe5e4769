using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Recording;
using ChunkGate.Operator.Status;
using ChunkGate.Testing.Waiting;
using k8s;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// A run of several Pods on the local cluster, with runner stand-ins that print the run contract's
/// records: progress reaches the job's status from the Pods' logs (the Pods have no API rights),
/// the run succeeds when every Pod did, the recording outlives the Pods, a failed chunk fails the run.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class RunProgressIntegrationTests
{
    [Test]
    public async Task ParallelRun_ReportsProgress_Succeeds_AndKeepsItsRecording_AfterItsPodsAreGone()
    {
        await using var world = await ApprovedParallelRunAsync("progress", ControllerCluster.RecordingRunner);

        var running = await world.WaitForJobAsync("export-customers", j => j.Status?.Run?.Pods?.Count == 2, "the run records its two Pods");
        var run = running.Status!.Run!;
        run.Pods.Should().Equal("export-customers-r1-0", "export-customers-r1-1");
        await Eventually.TrueAsync(async () => (await Task.WhenAll(run.Pods!.Select(world.PodAsync))).All(p => p?.Status?.Phase == "Running"),
            "both run Pods run", ControllerHarness.Patience);
        var pod = (await world.PodAsync(run.Pods![1]))!;
        pod.Spec.Containers[0].Env.Should().Contain(e => e.Name == "CHUNKGATE_SHARD" && e.Value == "1").And.Contain(e => e.Name == "CHUNKGATE_SHARDS" && e.Value == "2");

        // Each shard did its first chunk and waits: a periodic look (not a Pod change) brings the progress.
        await Eventually.TrueAsync(async () =>
        {
            world.Clock.Advance(TimeSpan.FromSeconds(10));
            return (await world.JobAsync("export-customers")).Status?.Progress?.Summary == "2/6";
        }, "progress 2/6 while the Pods run", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        var partial = await world.JobAsync("export-customers");
        partial.Status!.Phase.Should().Be(JobPhase.Running);
        partial.Status.Progress!.Rows.Should().Be(20, "the forged records (in a row value, for another shard) count nothing");
        partial.Status.Checkpoint!.Done.Should().Be("0-1");
        partial.Status.Checkpoint.SpecHash.Should().Be(run.SpecHash);

        ControllerCluster.Go(world.Namespace, "export-customers");
        ChunkJob done;
        try
        {
            done = await world.WaitForJobAsync("export-customers", j => j.Status?.Phase == JobPhase.Succeeded, "the run succeeds once both Pods did");
        }
        catch (TimeoutException)
        {
            // Say where it stood: the job's status and its Pods' container states.
            TestContext.Out.WriteLine(k8s.KubernetesJson.Serialize((await world.JobAsync("export-customers")).Status));
            foreach (var name in run.Pods!)
            {
                TestContext.Out.WriteLine($"{name}: {k8s.KubernetesJson.Serialize((await world.PodAsync(name))?.Status)}");
            }

            throw;
        }

        done.Status!.Progress!.Summary.Should().Be("6/6");
        done.Status.Progress.Rows.Should().Be(60);
        done.Status.Checkpoint!.Done.Should().Be("0-5");
        foreach (var name in run.Pods!)
        {
            await Eventually.TrueAsync(async () => await world.PodAsync(name) is null, $"Pod {name} is deleted", ControllerHarness.Patience);
        }

        var recording = await world.Client.CoreV1.ReadNamespacedConfigMapAsync("export-customers-r1-recording", world.Namespace);
        recording.Metadata.Labels.Should().Contain("chunkgate.io/job", "export-customers").And.Contain("chunkgate.io/run", "r1");
        recording.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "ChunkJob" && o.Uid == done.Metadata.Uid && o.Controller == true);
        var lines = recording.Data[RecordingConfigMaps.Key].TrimEnd('\n').Split('\n');
        lines.Should().Equal(
            """{"shard":0,"time":"2026-11-30T10:00:00.000000Z","session":1,"event":"session.start","user":"export-customers-r1-0"}""",
            """{"shard":1,"time":"2026-11-30T10:00:00.000000Z","session":1,"event":"session.start","user":"export-customers-r1-1"}""");
    }

    [Test]
    public async Task FailedChunk_FailsTheRun_WithItsRangeAndMessage_InTheConditionAndAnEvent()
    {
        await using var world = await ApprovedParallelRunAsync("chunkfail", ControllerCluster.FailingRunner);

        var failed = await world.WaitForJobAsync("export-customers", j => j.Status?.Phase == JobPhase.Failed, "the run fails");

        var expected = "run r1 failed: chunk 3 [31, 41) on shard 1: 23505 duplicate key value violates unique constraint \"customers_pkey\"";
        failed.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Running).Message.Should().Be(expected);
        failed.Status.Run!.Outcome.Should().Be("Failed");
        failed.Status.Run.Message.Should().Be(expected);
        await Eventually.TrueAsync(async () => (await world.EventsAsync("export-customers")).Any(e => e.Reason == "ChunkFailed" && e.Message == expected && e.Type == "Warning"),
            "a ChunkFailed Event says which chunk and why", ControllerHarness.Patience);
        (await world.RoleExistsAsync(failed.Status.Run.Role!)).Should().BeFalse("the run's role is revoked");
        foreach (var name in failed.Status.Run.Pods!)
        {
            await Eventually.TrueAsync(async () => await world.PodAsync(name) is null, $"Pod {name} is deleted, the running shard too", ControllerHarness.Patience);
        }
    }

    /// <summary>A job of two Pods with the given runner stand-in, approved by bob once its connection is ready.</summary>
    private static async Task<ControllerHarness> ApprovedParallelRunAsync(string prefix, string runner)
    {
        var world = await ControllerHarness.StartAsync(prefix, runner);
        var job = await world.CreateJobAsync("export-customers", parallelism: 2);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob", ttl: "10m");
        return world;
    }
}
