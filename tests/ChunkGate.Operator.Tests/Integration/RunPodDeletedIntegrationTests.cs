using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Testing.Waiting;
using k8s;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// The hostile probe's H2: the job's author deletes the run Pod mid-run with the real kubectl. The
/// operator must not start a second Pod under the same approval and credential (its chunks in
/// flight would run twice, and the first session would be missing from the recording): the run
/// ends Failed, revoked, with a Warning that says so.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class RunPodDeletedIntegrationTests
{
    [Test]
    public async Task ARunPodDeletedMidRun_EndsTheRunFailed_RevokesIt_AndNoSecondPodRuns()
    {
        await using var world = await ControllerHarness.StartAsync("pod-deleted", ControllerCluster.SleepingRunner);
        var job = await world.CreateJobAsync("quick");
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");
        var firstPod = RunObjects.RecordedUid(await world.WaitForRunningPodAsync("quick"), RunObjects.PodKind, "quick-r1");
        await Eventually.TrueAsync(async () => (await world.PodAsync("quick-r1"))?.Status?.Phase == "Running", "the Pod runs", ControllerHarness.Patience);

        await world.KubectlAsync("alice", null, "delete", "pod", "quick-r1", "-n", world.Namespace, "--wait=false");

        var failed = await world.WaitForJobAsync("quick", j => j.Status?.Phase == JobPhase.Failed, "the run fails");
        failed.Status!.Run!.Outcome.Should().Be(nameof(ChunkGate.Operator.Decisions.RunEnd.Failed));
        failed.Status.Run.Message.Should().StartWith("run r1 failed: its Pod quick-r1 was deleted before it finished")
            .And.Contain("recording may be incomplete");
        failed.Status.RunsStarted.Should().Be(1);
        (await world.RoleExistsAsync(failed.Status.Run.Role!)).Should().BeFalse("the run's credential is revoked as at any end");
        var pod = await world.PodAsync("quick-r1");
        (pod is null || pod.Metadata.Uid == firstPod).Should().BeTrue("no second Pod was created for the shard");
        await Eventually.TrueAsync(async () => (await world.EventsAsync("quick")).Any(e => e.Reason == "RunPodDeleted" && e.Type == "Warning" && e.Message == failed.Status.Run.Message),
            "a RunPodDeleted Warning says why", ControllerHarness.Patience);
        (await world.EventsAsync("quick")).Where(e => e.Reason == "RunStarted").Sum(e => e.Count ?? 1).Should().Be(1, "one Pod started for the run");
    }

    [Test]
    public async Task APodRequestedButNeverRecorded_AndGone_IsNotCreatedAgain_AfterARestart()
    {
        // The crash window: the operator requested the Pod (status), created it, and stopped before
        // recording its uid; the Pod was deleted meanwhile. A restarted operator cannot know whether
        // it ran: it must end the run rather than run the shard a second time.
        await using var world = await ControllerHarness.StartAsync("pod-crash", ControllerCluster.SleepingRunner);
        var job = await world.CreateJobAsync("quick");
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");
        await world.WaitForRunningPodAsync("quick");
        await world.StopControllerAsync(world.Hosts[0]);
        var current = await world.JobAsync("quick");
        current.Status!.Run = RunObjects.Recording(current.Status.Run!, RunObjects.PodKind, "quick-r1", RunObjects.RequestedUid);
        await world.Jobs.ReplaceStatusAsync(current, "test");
        await world.Client.CoreV1.DeleteNamespacedPodAsync("quick-r1", world.Namespace, new k8s.Models.V1DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.TrueAsync(async () => await world.PodAsync("quick-r1") is null, "the Pod is gone", ControllerHarness.Patience);

        await world.StartControllerAsync("replica-b");

        var failed = await world.WaitForJobAsync("quick", j => j.Status?.Phase == JobPhase.Failed, "the run fails");
        failed.Status!.Run!.Message.Should().StartWith("run r1 failed: its Pod quick-r1 was deleted before it finished");
        (await world.PodAsync("quick-r1")).Should().BeNull("no second Pod");
        (await world.RoleExistsAsync(failed.Status.Run.Role!)).Should().BeFalse();
    }
}
