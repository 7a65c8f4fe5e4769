using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Recording;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// The hostile probe of the run's names: alice (a designer, who may create Secrets, Pods and
/// ConfigMaps in the namespace, as the local cluster lets any user) plants an object under a name
/// the operator will use, with the operator's labels and an ownerReference to the job, with the
/// real kubectl, before bob approves. The operator must mount, count and keep only what it
/// created (the uids in the job's status), remove the planted object with a Warning naming it,
/// and end the run loudly when the planted object cannot be removed.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class PlantedObjectsIntegrationTests
{
    [Test]
    public async Task APlantedSecret_IsNeverMounted_TheRunGetsItsOwn_AndAWarningNamesIt()
    {
        await using var world = await ControllerHarness.StartAsync("planted-secret");
        var job = await world.CreateJobAsync("quick");
        var planted = await PlantAsync(world, job, "Secret", "quick-r1-sidecar", """
            type: Opaque
            stringData:
              sidecar.json: '{"masking":{"columns":[]},"note":"planted"}'
              password: planted
            """);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");

        var run = await world.WaitForRunningPodAsync("quick");
        var secretUid = RunObjects.RecordedUid(run, RunObjects.SecretKind, "quick-r1-sidecar");
        secretUid.Should().NotBeNull().And.NotBe(planted, "the Secret recorded is the operator's, not the planted one");
        var secret = (await world.SecretAsync("quick-r1-sidecar"))!;
        secret.Metadata.Uid.Should().Be(secretUid, "the Secret under the name now is the recorded one");
        Encoding.UTF8.GetString(secret.Data[RunSecretBuilder.PasswordKey]).Should().NotBe("planted");
        Encoding.UTF8.GetString(secret.Data[RunSecretBuilder.ConfigKey]).Should().NotContain("planted");
        var pod = (await world.PodAsync(run.Pod!))!;
        pod.Spec.Volumes.Should().Contain(v => v.Secret != null && v.Secret.SecretName == "quick-r1-sidecar");
        pod.Metadata.CreationTimestamp.Should().BeOnOrAfter(secret.Metadata.CreationTimestamp!.Value, "the Pod was created once the operator's Secret was in place");

        // The credential in the operator's Secret is the run's (its role logs in).
        await using (var session = await world.OpenRunSessionAsync(secret))
        {
            session.State.Should().Be(System.Data.ConnectionState.Open);
        }

        await ForeignDeletedEventAsync(world, "quick", $"Secret {world.Namespace}/quick-r1-sidecar", planted);
    }

    [Test]
    public async Task AnUnlabelledPlantedSecret_WhichTheCachesNeverSee_IsReplacedAtTheRunsStart()
    {
        // The run's start does not read the Secret's name live (the caches hold only labelled
        // Secrets): the create is refused, and the Secret that holds the name is judged then.
        await using var world = await ControllerHarness.StartAsync("planted-unlabelled");
        var job = await world.CreateJobAsync("quick");
        var planted = await PlantAsync(world, job, "Secret", "quick-r1-sidecar", "stringData: {password: planted}\n", labelled: false);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");

        var run = await world.WaitForRunningPodAsync("quick");
        var secret = (await world.SecretAsync("quick-r1-sidecar"))!;
        secret.Metadata.Uid.Should().NotBe(planted).And.Be(RunObjects.RecordedUid(run, RunObjects.SecretKind, "quick-r1-sidecar"));
        Encoding.UTF8.GetString(secret.Data[RunSecretBuilder.PasswordKey]).Should().NotBe("planted");
        await using (var session = await world.OpenRunSessionAsync(secret))
        {
            session.State.Should().Be(System.Data.ConnectionState.Open, "the password in the Secret is the one the role was last issued");
        }

        await ForeignDeletedEventAsync(world, "quick", $"Secret {world.Namespace}/quick-r1-sidecar", planted);
    }

    [Test]
    public async Task APlantedPod_IsNeverAdopted_NorCounted_TheRunGetsItsOwn()
    {
        // The planted Pod would finish at once (exit 0) and mounts the run's Secret: adopted, the
        // run would "succeed" without running; its creator would hold the credential.
        await using var world = await ControllerHarness.StartAsync("planted-pod", ControllerCluster.SleepingRunner);
        var job = await world.CreateJobAsync("quick");
        var planted = await PlantAsync(world, job, "Pod", "quick-r1", $$"""
            spec:
              restartPolicy: Never
              containers:
                - name: runner
                  image: {{ControllerCluster.FinishingRunner}}
                  volumeMounts: [{name: run, mountPath: /run/chunkgate}]
              volumes:
                - name: run
                  secret: {secretName: quick-r1-sidecar, optional: true}
            """);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");

        var run = await world.WaitForRunningPodAsync("quick");
        var podUid = RunObjects.RecordedUid(run, RunObjects.PodKind, "quick-r1");
        podUid.Should().NotBeNull().And.NotBe(planted);
        await Eventually.TrueAsync(async () => (await world.PodAsync("quick-r1"))?.Status?.Phase == "Running", "the operator's Pod runs", ControllerHarness.Patience);
        var pod = (await world.PodAsync("quick-r1"))!;
        pod.Metadata.Uid.Should().Be(podUid);
        pod.Spec.Containers.Select(c => c.Image).Should().Contain(world.RunnerImage, "the run's own runner, not the planted image");

        await ForeignDeletedEventAsync(world, "quick", $"Pod {world.Namespace}/quick-r1", planted);
        (await world.EventsAsync("quick")).Should().Contain(e => e.Reason == "ForeignPodMountsRunSecret" && e.Type == "Warning" && e.Message.Contains(planted, StringComparison.Ordinal),
            "the planted Pod mounted the run's Secret: an auditor must learn its creator could have read it");

        // Some time on: the run still runs its own Pod (the planted one would have ended it as Succeeded).
        world.Clock.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await world.JobAsync("quick")).Status?.Conditions?.Any(c => c.Type == ChunkGate.Operator.Status.ConditionTypes.Running && c.Status == ChunkGate.Api.Meta.ConditionStatus.True) == true,
            "the job still runs", ControllerHarness.Patience);
        (await world.JobAsync("quick")).Status!.Phase.Should().Be(JobPhase.Running);
    }

    [Test]
    public async Task APlantedRecording_IsReplacedByTheRunsOwn_RecordedByUidAndDigest()
    {
        await using var world = await ControllerHarness.StartAsync("planted-rec", ControllerCluster.FinishingRunner);
        var job = await world.CreateJobAsync("quick");
        var planted = await PlantAsync(world, job, "ConfigMap", "quick-r1-recording", """
            data:
              recording.jsonl: '{"time":"2026-11-30T09:00:00Z","event":"session.start","user":"nobody-ran-this"}'
            """);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");

        var done = await world.WaitForJobAsync("quick", j => j.Status?.Phase == JobPhase.Succeeded && j.Status.Recordings is { Count: > 0 }, "the run succeeds and its recording is kept");
        var kept = done.Status!.Recordings!.Single();
        kept.Run.Should().Be("r1");
        kept.Uid.Should().NotBe(planted);
        var map = await world.Client.CoreV1.ReadNamespacedConfigMapAsync("quick-r1-recording", world.Namespace);
        map.Metadata.Uid.Should().Be(kept.Uid);
        map.Immutable.Should().BeTrue("nobody edits the kept recording in place");
        var recording = map.Data[RecordingConfigMaps.Key];
        recording.Should().Contain("\"user\":\"quick-r1\"", "the stand-in sidecar's own line").And.NotContain("nobody-ran-this");
        kept.Sha256.Should().Be(KeptRecording.DigestOf(recording));
        await ForeignDeletedEventAsync(world, "quick", $"ConfigMap {world.Namespace}/quick-r1-recording", planted);
    }

    /// <param name="labelled">Unlabelled, the caches never see it: the run's start finds it only when its create is refused, after the credential was issued.</param>
    [TestCase(true)]
    [TestCase(false)]
    public async Task APlantedSecretHeldByAFinalizer_FailsTheRunLoudly_AndNothingRunsOnIt(bool labelled)
    {
        await using var world = await ControllerHarness.StartAsync(labelled ? "planted-stuck" : "planted-unlabelled-stuck", ControllerCluster.SleepingRunner);
        var job = await world.CreateJobAsync("quick");
        await PlantAsync(world, job, "Secret", "quick-r1-sidecar", "stringData: {password: planted}\n", finalizer: "example.com/hold", labelled: labelled);
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");

        var failed = await world.WaitForJobAsync("quick", j => j.Status?.Phase == JobPhase.Failed, "the run fails");

        failed.Status!.Run!.Message.Should().Be(
            $"run r1 cannot run: Secret {world.Namespace}/quick-r1-sidecar holds a name of run r1 and was not created by the operator; it cannot be removed while finalizers example.com/hold hold it");
        (await world.PodAsync("quick-r1")).Should().BeNull("no Pod ever mounts the planted Secret");
        await Eventually.TrueAsync(async () => !await world.RoleExistsAsync(failed.Status.Run.Role!), "no credential was issued, or it is revoked", ControllerHarness.Patience);
        await Eventually.TrueAsync(async () => (await world.EventsAsync("quick")).Any(e => e.Reason == "RunFailed" && e.Type == "Warning" && e.Message == failed.Status.Run.Message),
            "a RunFailed Warning says why", ControllerHarness.Patience);

        // Let the planted Secret go, so the namespace can.
        await world.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "quick-r1-sidecar", world.Namespace);
    }

    [Test]
    public async Task ACrashBetweenCreateAndRecord_Converges_OneRoleOneApprovalUse_TheRunsObjectsRecorded()
    {
        await using var world = await ControllerHarness.StartAsync("planted-crash", ControllerCluster.SleepingRunner);
        var job = await world.CreateJobAsync("quick");
        await world.WaitForConnectionAsync();
        await world.ApproveAsync(job, "bob");
        var first = await world.WaitForRunningPodAsync("quick");
        var firstSecret = RunObjects.RecordedUid(first, RunObjects.SecretKind, "quick-r1-sidecar");

        // The operator "crashes" right after creating its Secret and Pod: they exist, their uids are not in status.
        await world.StopControllerAsync(world.Hosts[0]);
        var current = await world.JobAsync("quick");
        current.Status!.Run!.Created = null;
        await world.Jobs.ReplaceStatusAsync(current, "test");
        await world.StartControllerAsync("replica-b");

        var converged = await world.WaitForJobAsync("quick", j => j.Status?.Run?.Created is { Count: 2 } created
            && created.All(c => c.Uid != firstSecret) && j.Status.Phase == JobPhase.Running, "the restarted operator records new objects for the same run");
        converged.Status!.Run!.Id.Should().Be("r1", "the same run, not a second one");
        converged.Status.RunsStarted.Should().Be(1);
        var run = await world.WaitForRunningPodAsync("quick");
        (await world.SecretAsync("quick-r1-sidecar"))!.Metadata.Uid.Should().Be(RunObjects.RecordedUid(run, RunObjects.SecretKind, "quick-r1-sidecar"));
        await using (var session = await world.OpenRunSessionAsync((await world.SecretAsync("quick-r1-sidecar"))!))
        {
            session.State.Should().Be(System.Data.ConnectionState.Open, "the Secret now holds the role's current password");
        }

        run.Role.Should().Be(first.Role);
        (await world.RoleExistsAsync(run.Role!)).Should().BeTrue("the second issue altered the same role");
        (await world.RoleExistsAsync(ChunkGate.Broker.Credentials.RoleNames.For(converged.Metadata.Uid, 2))).Should().BeFalse("no second run's role");
    }

    private static async Task ForeignDeletedEventAsync(ControllerHarness world, string job, string what, string plantedUid) =>
        await Eventually.TrueAsync(async () => (await world.EventsAsync(job)).Any(e => e.Reason == "ForeignObjectDeleted" && e.Type == "Warning"
                && e.Message.StartsWith(what + " holds a name of run r1", StringComparison.Ordinal) && e.Message.Contains(plantedUid, StringComparison.Ordinal)),
            $"a Warning names the deleted {what}", ControllerHarness.Patience);

    /// <summary>
    /// alice creates the object with the real kubectl, dressed as the operator's (its labels, an
    /// ownerReference to the job as controller), or without labels (<paramref name="labelled"/>
    /// false: the operator's caches, which select by label, never see it); returns its uid.
    /// </summary>
    private static async Task<string> PlantAsync(ControllerHarness world, ChunkGate.Api.Jobs.ChunkJob job, string kind, string name, string body, string? finalizer = null,
        bool labelled = true)
    {
        var labels = labelled
            ? $$"""{"{{RunLabels.ManagedBy}}": "{{RunLabels.ManagedByValue}}", "{{RunLabels.Job}}": "{{job.Metadata.Name}}", "{{RunLabels.Run}}": "r1", "{{RunLabels.JobUid}}": "{{job.Metadata.Uid}}"}"""
            : "{}";
        var manifest = $$"""
            apiVersion: v1
            kind: {{kind}}
            metadata:
              name: {{name}}
              namespace: {{world.Namespace}}
              labels: {{labels}}
              ownerReferences:
                - {apiVersion: chunkgate.io/v1alpha1, kind: ChunkJob, name: {{job.Metadata.Name}}, uid: {{job.Metadata.Uid}}, controller: true}
            {{(finalizer is null ? "" : "  finalizers: [" + finalizer + "]\n")}}{{body}}
            """;
        return (await world.KubectlAsync("alice", manifest, "create", "-f", "-", "-o", "jsonpath={.metadata.uid}")).Trim();
    }
}
