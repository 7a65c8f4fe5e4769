using System.Text;
using System.Text.Json;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Tests.Builders;
using k8s.Models;
using static ChunkGate.Operator.Tests.Builders.Approvals;

namespace ChunkGate.Operator.Tests.Controller;

public sealed class RunPodBuilderTests
{
    private const string Password = "pw-Zq9-never-in-the-pod";
    private static readonly DateTimeOffset Now = T0.AddMinutes(1);

    internal static RunRequest Run(ChunkJobSpec? spec = null, DataConnectionSpec? connection = null, DateTimeOffset? expiresAt = null) => new(
        "demo", "export-customers", "uid-1", spec ?? Observations.Spec(), "r2", expiresAt ?? T0.AddMinutes(10), ["bob-approval"],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", RunNames.For("export-customers", "uid-1", "r2"), connection ?? Observations.Connection());

    private static V1Pod Pod(RunRequest? run = null, int shard = 0, string done = "") => RunPodBuilder.Build(run ?? Run(), shard, done, "chunkgate/runner:dev", "chunkgate/sidecar:dev", 6432, Now);

    private static V1Container Job(V1Pod pod) => pod.Spec.Containers.Single(c => c.Name == RunPodBuilder.JobContainer);

    private static V1Container Sidecar(V1Pod pod) => pod.Spec.InitContainers.Single(c => c.Name == RunPodBuilder.SidecarContainer);

    [Test]
    public void Build_EndsThePodAtExpiry_NeverRestarts_AndHasNoServiceAccountToken()
    {
        var pod = Pod();

        pod.Spec.RestartPolicy.Should().Be("Never");
        pod.Spec.ActiveDeadlineSeconds.Should().Be(9 * 60, "expiry is 9 minutes after now");
        pod.Spec.AutomountServiceAccountToken.Should().BeFalse();
        pod.Spec.EnableServiceLinks.Should().BeFalse();
    }

    [TestCase(0.9, 1)]
    [TestCase(59.999, 59)]
    [TestCase(-30, 1)]
    public void ActiveDeadlineSeconds_RoundsDown_SoThePodNeverOutlivesTheApproval(double secondsLeft, long expected) =>
        RunPodBuilder.ActiveDeadlineSeconds(Now.AddSeconds(secondsLeft), Now).Should().Be(expected);

    [Test]
    public void Build_LocksDownEveryContainer()
    {
        var pod = Pod();

        pod.Spec.SecurityContext.RunAsNonRoot.Should().BeTrue();
        pod.Spec.SecurityContext.RunAsUser.Should().NotBe(0);
        foreach (var container in pod.Spec.Containers.Concat(pod.Spec.InitContainers))
        {
            container.SecurityContext.AllowPrivilegeEscalation.Should().BeFalse(container.Name);
            container.SecurityContext.ReadOnlyRootFilesystem.Should().BeTrue(container.Name);
            container.SecurityContext.RunAsNonRoot.Should().BeTrue(container.Name);
            container.SecurityContext.Privileged.Should().BeFalse(container.Name);
            container.SecurityContext.Capabilities.Drop.Should().Equal("ALL");
            container.SecurityContext.Capabilities.Add.Should().BeNull();
        }
    }

    [Test]
    public void Build_MountsTheRunSecret_IntoTheSidecarOnly()
    {
        var pod = Pod();
        var secretVolume = pod.Spec.Volumes.Single(v => v.Secret is not null);

        secretVolume.Secret.SecretName.Should().Be("export-customers-r2-sidecar");
        Sidecar(pod).VolumeMounts.Should().Contain(m => m.Name == secretVolume.Name && m.ReadOnlyProperty == true);
        Job(pod).VolumeMounts.Should().NotContain(m => m.Name == secretVolume.Name);
        Job(pod).EnvFrom.Should().BeNull();
        Job(pod).Env.Should().NotContain(e => e.ValueFrom != null, "the job container gets no value from a Secret");
    }

    [Test]
    public void Build_PointsTheJobContainerAtTheSidecarOnLocalhost()
    {
        var env = Job(Pod()).Env.ToDictionary(e => e.Name, e => e.Value);

        env["PGHOST"].Should().Be("127.0.0.1");
        env["PGPORT"].Should().Be("6432");
        env["PGDATABASE"].Should().Be("demo");
        env.Should().NotContainKey("PGPASSWORD");
    }

    [Test]
    public void Build_GivesBothContainersTheRunsTraceParent()
    {
        var pod = Pod();

        foreach (var container in new[] { Job(pod), Sidecar(pod) })
        {
            container.Env.Should().ContainSingle(e => e.Name == "TRACEPARENT").Which.Value.Should().Be(Run().TraceParent);
        }
    }

    [Test]
    public void Build_RunsTheSidecarAsANativeSidecar_SoThePodEndsWithTheJob()
    {
        var sidecar = Sidecar(Pod());

        sidecar.RestartPolicy.Should().Be("Always");
        sidecar.Image.Should().Be("chunkgate/sidecar:dev");
        sidecar.Args.Should().Equal("serve", "--config", "/etc/chunkgate/sidecar.json");
        sidecar.WorkingDir.Should().Be("/etc/chunkgate", "the configuration's file names are relative to the Secret's mount");
    }

    [Test]
    public void Build_LinksJobRunAndApprovals_AndIsOwnedByTheJob()
    {
        var pod = Pod();

        pod.Metadata.Name.Should().Be("export-customers-r2");
        pod.Metadata.NamespaceProperty.Should().Be("demo");
        pod.Metadata.Labels.Should().Contain(RunLabels.JobUid, "uid-1").And.Contain(RunLabels.Run, "r2").And.Contain(RunLabels.ManagedBy, "chunkgate");
        pod.Metadata.Annotations.Should().Contain(RunLabels.Job, "export-customers").And.Contain(RunLabels.Approvals, "bob-approval");
        pod.Metadata.OwnerReferences.Should().ContainSingle().Which.Should().Match<V1OwnerReference>(o => o.Kind == "ChunkJob" && o.Uid == "uid-1" && o.Controller == true);
    }

    [Test]
    public void Build_TellsTheRunnerItsShard_ItsShardCount_TheChunksDone_AndItsOutput()
    {
        var spec = Observations.Spec();
        spec.Parallelism = 3;

        var env = Job(Pod(Run(spec), shard: 2, done: "0-16,18")).Env.ToDictionary(e => e.Name, e => e.Value);

        env["CHUNKGATE_SHARD"].Should().Be("2");
        env["CHUNKGATE_SHARDS"].Should().Be("3");
        env["CHUNKGATE_DONE_CHUNKS"].Should().Be("0-16,18");
        env["CHUNKGATE_OUTPUT"].Should().Be("stdout");
        JsonSerializer.Deserialize<JsonElement>(env["CHUNKGATE_JOB_SPEC"]).GetProperty("parallelism").GetInt32().Should().Be(3);
    }

    [Test]
    public void Build_NamesEachShardsPod_FromTheRun_AndLabelsItsShard()
    {
        var spec = Observations.Spec();
        spec.Parallelism = 3;

        var pods = Enumerable.Range(0, 3).Select(shard => Pod(Run(spec), shard)).ToList();

        pods.Select(p => p.Metadata.Name).Should().Equal("export-customers-r2-0", "export-customers-r2-1", "export-customers-r2-2");
        pods.Select(p => p.Metadata.Labels[RunLabels.Shard]).Should().Equal("0", "1", "2");
        pods.Should().OnlyContain(p => p.Spec.Volumes.Single(v => v.Secret != null).Secret.SecretName == "export-customers-r2-sidecar", "every shard shares the run's credential");
        Pod().Metadata.Name.Should().Be("export-customers-r2", "a single Pod keeps the run's name");
    }

    [TestCase(-1)]
    [TestCase(3)]
    public void Build_RefusesAShardOutsideTheRun(int shard)
    {
        var spec = Observations.Spec();
        spec.Parallelism = 3;

        FluentActions.Invoking(() => Pod(Run(spec), shard)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public void Build_MountsAClaimDestination_AtOutput_InTheJobContainerOnly()
    {
        var spec = Observations.Spec();
        spec.Output = new JobOutput { Destination = "pvc:exports" };

        var pod = Pod(Run(spec));

        var volume = pod.Spec.Volumes.Single(v => v.PersistentVolumeClaim != null);
        volume.PersistentVolumeClaim.ClaimName.Should().Be("exports");
        Job(pod).VolumeMounts.Should().ContainSingle(m => m.Name == volume.Name).Which.MountPath.Should().Be("/output");
        Sidecar(pod).VolumeMounts.Should().NotContain(m => m.Name == volume.Name);
        Job(pod).Env.Single(e => e.Name == "CHUNKGATE_OUTPUT").Value.Should().Be("/output");
        Pod().Spec.Volumes.Should().NotContain(v => v.PersistentVolumeClaim != null);
    }

    [Test]
    public void Build_UsesTheJobsRunnerOverrides_ElseTheDefaults()
    {
        var spec = Observations.Spec();
        spec.Runner = new RunnerOverrides { Image = "example/runner:1", Cpu = "2", Memory = "1Gi" };

        var overridden = Job(Pod(Run(spec)));
        var defaulted = Job(Pod());

        overridden.Image.Should().Be("example/runner:1");
        overridden.Resources.Limits["cpu"].ToString().Should().Be("2");
        overridden.Resources.Limits["memory"].ToString().Should().Be("1Gi");
        defaulted.Image.Should().Be("chunkgate/runner:dev");
        defaulted.Resources.Limits["memory"].ToString().Should().Be("256Mi");
    }

    [Test]
    public void Secret_HoldsTheCredentialFilesAndTheSidecarConfiguration_AndIsOwnedByTheJob()
    {
        var secret = RunSecretBuilder.Build(Run(), Password, "0123456789abcdef0123456789abcdef"u8, null, 6432, null);

        secret.Metadata.Name.Should().Be("export-customers-r2-sidecar");
        secret.Immutable.Should().BeTrue();
        secret.Metadata.OwnerReferences.Should().ContainSingle(o => o.Uid == "uid-1" && o.Controller == true);
        secret.Data.Keys.Should().BeEquivalentTo("username", "password", "masking-key", "sidecar.json");
        Encoding.UTF8.GetString(secret.Data["password"]).Should().Be(Password);
        Encoding.UTF8.GetString(secret.Data["username"]).Should().StartWith("chunkgate_run_");
    }

    [Test]
    public void SidecarConfiguration_CarriesExpiryActionUpstreamAndMasking_ButNoSecret()
    {
        var connection = Observations.Connection();
        connection.Endpoint.Port = 5433;
        connection.Masking = new MaskingRules
        {
            Columns = [new ColumnMask { Column = "public.customers.ssn", Strategy = MaskStrategy.Last4 }],
            Detectors = [ValueDetector.Card],
        };
        var secret = RunSecretBuilder.Build(Run(connection: connection), Password, "0123456789abcdef0123456789abcdef"u8, "-----BEGIN CERTIFICATE-----", 6432, "http://otel:4318");
        var json = Encoding.UTF8.GetString(secret.Data["sidecar.json"]);
        using var config = JsonDocument.Parse(json);
        var root = config.RootElement;

        json.Should().NotContain(Password);
        root.GetProperty("expiresAt").GetString().Should().Be("2026-11-30T10:10:00Z");
        root.GetProperty("action").GetString().Should().Be("export");
        root.GetProperty("listen").GetString().Should().Be("127.0.0.1:6432");
        root.GetProperty("upstream").GetProperty("port").GetInt32().Should().Be(5433);
        root.GetProperty("upstream").GetProperty("sslMode").GetString().Should().Be("verify-full");
        root.GetProperty("upstream").GetProperty("caFile").GetString().Should().Be("ca.crt");
        root.GetProperty("credential").GetProperty("passwordFile").GetString().Should().Be("password");
        root.GetProperty("masking").GetProperty("columns")[0].GetProperty("strategy").GetString().Should().Be("last4");
        root.GetProperty("masking").GetProperty("detectors")[0].GetString().Should().Be("card");
        root.GetProperty("masking").GetProperty("hashKeyFile").GetString().Should().Be("masking-key");
        root.GetProperty("recording").GetProperty("path").GetString().Should().Be("-", "the recording goes to the container log, kept when the run ends");
        root.GetProperty("otlp").GetProperty("endpoint").GetString().Should().Be("http://otel:4318");
        secret.Data.Should().ContainKey("ca.crt");
    }

    [Test]
    public void Names_AreDeterministic_AndStayWithin63Characters()
    {
        var longName = new string('a', 200);

        RunNames.For("job", "uid", "r1").Should().Be(RunNames.For("job", "uid", "r1"));
        RunNames.For("job", "uid", "r1").Role.Should().NotBe(RunNames.For("job", "uid", "r2").Role);
        RunNames.For(longName, "uid", "r12").Pod.Length.Should().BeLessOrEqualTo(63);
        RunNames.For(longName, "uid", "r12").Pod.Should().EndWith("-r12");
        RunNames.For(longName, "uid", "r1").Pod.Should().NotBe(RunNames.For(longName + "b", "uid", "r1").Pod);
        RunNames.For(longName, "uid", "r12").PodFor(31, 32).Length.Should().BeLessOrEqualTo(63);
        RunNames.For("job", "uid", "r3").Recording.Should().Be("job-r3-recording");
        RunNames.For(new string('b', 253), "uid", "r3").Recording.Length.Should().BeLessOrEqualTo(253);
        RunNames.For(new string('b', 253), "uid", "r3").Recording.Should().EndWith("-r3-recording");
    }

    [TestCase("r0")]
    [TestCase("x1")]
    [TestCase("r")]
    [TestCase("r-1")]
    [TestCase("r1a")]
    public void RunNumber_RefusesWhatIsNotARunId(string id) =>
        FluentActions.Invoking(() => RunNames.RunNumber(id)).Should().Throw<ArgumentException>();
}
