using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Decisions;
using k8s.Models;

namespace ChunkGate.Operator.Tests.Controller;

/// <summary>Which object under a run's name is the operator's: only the uid its status records, whatever else the object claims.</summary>
public sealed class RunObjectsTests
{
    private static readonly RunStatus Run = RunObjects.Recording(
        RunObjects.Recording(new RunStatus { Id = "r1", Secret = "export-r1-sidecar", Pod = "export-r1", Pods = ["export-r1"] }, RunObjects.SecretKind, "export-r1-sidecar", "uid-secret"),
        RunObjects.PodKind, "export-r1", "uid-pod");

    private static V1ObjectMeta Meta(string name, string uid, bool deleting = false, params string[] finalizers) => new()
    {
        Name = name,
        NamespaceProperty = "demo",
        Uid = uid,
        DeletionTimestamp = deleting ? DateTime.UtcNow : null,
        Finalizers = finalizers.Length == 0 ? null : [.. finalizers],

        // What a planter writes: the operator's labels and an ownerReference to the job. Neither counts.
        Labels = new Dictionary<string, string> { [RunLabels.ManagedBy] = RunLabels.ManagedByValue, [RunLabels.Run] = "r1" },
        OwnerReferences = [new V1OwnerReference { ApiVersion = "chunkgate.io/v1alpha1", Kind = "ChunkJob", Name = "export", Uid = "job-uid", Controller = true }],
    };

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(null, null).Returns(Ownership.Absent).SetName("nothing under the name: create it");
        yield return new TestCaseData("uid-1", null).Returns(Ownership.Absent).SetName("recorded but gone: absent");
        yield return new TestCaseData("uid-1", Meta("x", "uid-1")).Returns(Ownership.Ours).SetName("the recorded uid: ours");
        yield return new TestCaseData(null, Meta("x", "uid-1")).Returns(Ownership.Foreign).SetName("planted before anything was recorded: foreign, labels and ownerReference notwithstanding");
        yield return new TestCaseData("uid-1", Meta("x", "uid-2")).Returns(Ownership.Foreign).SetName("another uid than recorded (replaced): foreign");
        yield return new TestCaseData("UID-1", Meta("x", "uid-1")).Returns(Ownership.Foreign).SetName("uids compare exactly");
        yield return new TestCaseData("", Meta("x", "")).Returns(Ownership.Foreign).SetName("a Pod only requested (empty uid) matches nothing, not even an empty uid");
        yield return new TestCaseData(null, Meta("x", "uid-1", deleting: true)).Returns(Ownership.ForeignLeaving).SetName("foreign and being deleted, nothing holds it: leaving");
        yield return new TestCaseData(null, Meta("x", "uid-1", deleting: true, "example.com/hold")).Returns(Ownership.ForeignStuck).SetName("foreign, deleted, held by a finalizer: stuck");
        yield return new TestCaseData("uid-1", Meta("x", "uid-1", deleting: true, "example.com/hold")).Returns(Ownership.Ours).SetName("ours being deleted is still ours");
    }

    [TestCaseSource(nameof(Cases))]
    public Ownership Judge(string? recorded, V1ObjectMeta? found) => RunObjects.Judge(recorded, found);

    private static V1Pod Pod(string uid, string? phase, bool deleting = false) =>
        new() { Metadata = Meta("export-r1", uid, deleting), Status = phase is null ? null : new V1PodStatus { Phase = phase } };

    public static IEnumerable<TestCaseData> PodStates()
    {
        var requested = RunObjects.Recording(new RunStatus { Id = "r1", Pod = "export-r1", Pods = ["export-r1"] }, RunObjects.PodKind, "export-r1", RunObjects.RequestedUid);
        var never = new RunStatus { Id = "r1", Pod = "export-r1", Pods = ["export-r1"] };
        yield return new TestCaseData(never, null).Returns(PodState.Absent).SetName("never requested, nothing there: absent (created)");
        yield return new TestCaseData(never, Pod("uid-planted", "Running")).Returns(PodState.Absent).SetName("never requested, a planted Pod: absent (removed, then created)");
        yield return new TestCaseData(Run, Pod("uid-pod", "Running")).Returns(PodState.Running).SetName("the recorded Pod running");
        yield return new TestCaseData(Run, Pod("uid-pod", null)).Returns(PodState.Pending).SetName("the recorded Pod, no phase yet: pending");
        yield return new TestCaseData(Run, Pod("uid-pod", "Succeeded")).Returns(PodState.Succeeded).SetName("the recorded Pod succeeded");
        yield return new TestCaseData(Run, null).Returns(PodState.Lost).SetName("created and gone: lost, never created again");
        yield return new TestCaseData(Run, Pod("uid-other", "Running")).Returns(PodState.Lost).SetName("created, deleted and replaced by another: lost");
        yield return new TestCaseData(Run, Pod("uid-pod", "Running", deleting: true)).Returns(PodState.Lost).SetName("created and being deleted while it runs: lost");
        yield return new TestCaseData(Run, Pod("uid-pod", "Succeeded", deleting: true)).Returns(PodState.Succeeded).SetName("finished, then being deleted: its outcome counts");
        yield return new TestCaseData(requested, null).Returns(PodState.Lost).SetName("requested, uid never recorded, nothing there (crash window, then deleted): lost");
        yield return new TestCaseData(requested, Pod("uid-x", "Running")).Returns(PodState.Lost).SetName("requested, uid never recorded, a Pod there: the operator's or planted, cannot tell: lost");
    }

    [TestCaseSource(nameof(PodStates))]
    public PodState PodStateOf(RunStatus run, V1Pod? found) => RunObjects.PodStateOf(run, "export-r1", found);

    [Test]
    public void IsOurs_OnlyForTheUidRecordedUnderThatKindAndName()
    {
        RunObjects.IsOurs(Run, RunObjects.PodKind, Meta("export-r1", "uid-pod")).Should().BeTrue();
        RunObjects.IsOurs(Run, RunObjects.PodKind, Meta("export-r1", "uid-planted")).Should().BeFalse("a planted Pod with the operator's labels");
        RunObjects.IsOurs(Run, RunObjects.SecretKind, Meta("export-r1", "uid-pod")).Should().BeFalse("the uid is recorded for the Pod, not a Secret");
        RunObjects.IsOurs(Run, RunObjects.PodKind, Meta("export-r1-0", "uid-pod")).Should().BeFalse("the uid is recorded under another name");
        RunObjects.IsOurs(Run, RunObjects.PodKind, null).Should().BeFalse();
        RunObjects.IsOurs(new RunStatus { Id = "r1" }, RunObjects.PodKind, Meta("export-r1", "uid-pod")).Should().BeFalse("a run that recorded nothing owns nothing");
    }

    [Test]
    public void Recording_ReplacesTheEntryOfThatName_AndLeavesTheGivenRunAlone()
    {
        var before = Run;
        var after = RunObjects.Recording(before, RunObjects.PodKind, "export-r1", "uid-pod-2");

        after.Created.Should().HaveCount(2);
        RunObjects.RecordedUid(after, RunObjects.PodKind, "export-r1").Should().Be("uid-pod-2");
        RunObjects.RecordedUid(after, RunObjects.SecretKind, "export-r1-sidecar").Should().Be("uid-secret");
        RunObjects.RecordedUid(before, RunObjects.PodKind, "export-r1").Should().Be("uid-pod", "the run given is not modified (it may be the cache's)");
    }

    public static IEnumerable<TestCaseData> Mounts()
    {
        const string secret = "export-r1-sidecar";
        V1Pod Pod(Action<V1PodSpec> shape)
        {
            var spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] };
            shape(spec);
            return new V1Pod { Spec = spec };
        }

        yield return new TestCaseData(Pod(_ => { }), secret).Returns(false).SetName("mounts nothing");
        yield return new TestCaseData(Pod(s => s.Volumes = [new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = secret } }]), secret).Returns(true).SetName("a secret volume");
        yield return new TestCaseData(Pod(s => s.Volumes = [new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "other" } }]), secret).Returns(false).SetName("another Secret's volume");
        yield return new TestCaseData(Pod(s => s.Volumes = [new V1Volume { Name = "v", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = secret } }] } }]), secret)
            .Returns(true).SetName("a projected volume");
        yield return new TestCaseData(Pod(s => s.Containers[0].Env = [new V1EnvVar { Name = "P", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = "password" } } }]), secret)
            .Returns(true).SetName("an env var from a key");
        yield return new TestCaseData(Pod(s => s.InitContainers = [new V1Container { Name = "i", EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = secret } }] }]), secret)
            .Returns(true).SetName("envFrom in an init container");
    }

    [TestCaseSource(nameof(Mounts))]
    public bool Mounts_FindsEveryWayAPodReadsTheSecret(V1Pod pod, string secret) => RunObjects.Mounts(pod, secret);
}

public sealed class RunRecorderTests
{
    private static KeptRecording Kept(int run, string uid = "u") => new() { Run = $"r{run}", ConfigMap = $"j-r{run}-recording", Uid = uid, Sha256 = "00" };

    [Test]
    public void Keep_AppendsTheNewest_ReplacesItsRunsEntry_AndDropsTheOldestBeyondTheBound()
    {
        ChunkGate.Operator.Controller.Jobs.RunRecorder.Keep(null, Kept(1)).Select(r => r.Run).Should().Equal("r1");
        ChunkGate.Operator.Controller.Jobs.RunRecorder.Keep([Kept(1, "old"), Kept(2)], Kept(1, "new")).Select(r => r.Uid).Should().Equal("u", "new");

        var full = Enumerable.Range(1, ChunkGate.Operator.Controller.Jobs.RunRecorder.MaxKeptRecordings).Select(n => Kept(n)).ToList();
        var next = ChunkGate.Operator.Controller.Jobs.RunRecorder.Keep(full, Kept(full.Count + 1));
        next.Should().HaveCount(ChunkGate.Operator.Controller.Jobs.RunRecorder.MaxKeptRecordings);
        next[0].Run.Should().Be("r2");
        next[^1].Run.Should().Be($"r{full.Count + 1}");
    }
}
