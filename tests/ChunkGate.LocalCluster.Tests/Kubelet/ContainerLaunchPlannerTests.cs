using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Kubelet;

namespace ChunkGate.LocalCluster.Tests.Kubelet;

public sealed class ContainerLaunchPlannerTests
{
    private static readonly ImageMap Images = new(new Dictionary<string, ImageMapping>
    {
        ["runner"] = new(["/opt/runner"], ["--default"]),
        ["busybox"] = new([], ["/bin/sh"]),
        ["sidecar"] = new(["/opt/sidecar"], []) { OverrideEnvironment = new Dictionary<string, string> { ["LISTEN"] = "$(LOCALCLUSTER_POD_IP):$(PORT)" } },
    });

    private static readonly JsonObject Secret = JsonNode.Parse("""{"data":{"password":"aHVudGVyMg=="}}""")!.AsObject();

    private static (ContainerLaunch? Launch, ContainerWaiting? Waiting) Plan(string container, Func<string, JsonObject?>? secrets = null,
        Dictionary<string, string>? volumes = null)
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"p1","namespace":"ns1","uid":"u1","labels":{"app":"x"}},"status":{"podIP":"127.100.0.9"}}""")!.AsObject();
        return ContainerLaunchPlanner.Plan(pod, JsonNode.Parse(container)!.AsObject(), Images, secrets ?? (name => name == "db" ? Secret : null), _ => null,
            volumes ?? new Dictionary<string, string> { ["creds"] = "/tmp/pod/volumes/creds" }, "/tmp/pod", "127.100.0.9");
    }

    [Test]
    public void Plan_UsesTheImageEntrypointAndCmd_WhenTheContainerNamesNeither()
    {
        Plan("""{"name":"main","image":"runner:1.2"}""").Launch!.Argv.Should().Equal("/opt/runner", "--default");
    }

    [Test]
    public void Plan_ArgsReplaceCmd_CommandReplacesBoth()
    {
        Plan("""{"name":"main","image":"runner","args":["--chunk","7"]}""").Launch!.Argv.Should().Equal("/opt/runner", "--chunk", "7");
        Plan("""{"name":"main","image":"runner","command":["/bin/echo"]}""").Launch!.Argv.Should().Equal("/bin/echo");
    }

    [Test]
    public void Plan_ResolvesSecretKeyRefAndFieldRef_AndExpandsVariableReferences()
    {
        var launch = Plan("""
            {"name":"main","image":"busybox","command":["/bin/sh","-c","echo $(POD)"],
             "env":[{"name":"PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}},
                    {"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
                    {"name":"APP","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels['app']"}}},
                    {"name":"URL","value":"postgres://$(POD):5432"}]}
            """).Launch!;

        launch.Environment["PASSWORD"].Should().Be("hunter2");
        launch.Environment["APP"].Should().Be("x");
        launch.Environment["URL"].Should().Be("postgres://p1:5432");
        launch.Argv.Should().Equal("/bin/sh", "-c", "echo p1");
    }

    [Test]
    public void Plan_TheImageMapsOverrides_WinOverTheContainersEnv_AndSeeThePodsOwnAddress()
    {
        var launch = Plan("""{"name":"proxy","image":"sidecar","env":[{"name":"LISTEN","value":"127.0.0.1:6432"},{"name":"PORT","value":"6432"}]}""").Launch!;

        launch.Environment["LISTEN"].Should().Be("127.100.0.9:6432");
        launch.Environment["LOCALCLUSTER_POD_IP"].Should().Be("127.100.0.9");
    }

    [Test]
    public void Plan_WithoutOverrides_KeepsTheContainersEnv()
    {
        Plan("""{"name":"main","image":"runner","env":[{"name":"LISTEN","value":"127.0.0.1:6432"}]}""").Launch!.Environment["LISTEN"].Should().Be("127.0.0.1:6432");
    }

    [Test]
    public void Plan_RewritesMountPathsToTheMaterialisedVolume()
    {
        var launch = Plan("""
            {"name":"main","image":"runner","args":["--password-file=/etc/db/password"],
             "volumeMounts":[{"name":"creds","mountPath":"/etc/db"}]}
            """).Launch!;

        launch.Argv.Should().Equal("/opt/runner", "--password-file=/tmp/pod/volumes/creds/password");
    }

    [Test]
    public void Plan_RewritesEachPathOnce_EvenWhenAHostPathStartsWithAnotherMountPath()
    {
        // A claim's host directory lies under /tmp, and the container also mounts a scratch volume at /tmp.
        var launch = Plan("""
            {"name":"main","image":"runner","env":[{"name":"OUT","value":"/output"},{"name":"SCRATCH","value":"/tmp/x"},{"name":"OTHER","value":"/outputs"}],
             "volumeMounts":[{"name":"out","mountPath":"/output"},{"name":"tmp","mountPath":"/tmp"}]}
            """, volumes: new Dictionary<string, string> { ["out"] = "/tmp/cluster/claims/ns1/exports", ["tmp"] = "/tmp/pod/volumes/tmp" }).Launch!;

        launch.Environment["OUT"].Should().Be("/tmp/cluster/claims/ns1/exports");
        launch.Environment["SCRATCH"].Should().Be("/tmp/pod/volumes/tmp/x");
        launch.Environment["OTHER"].Should().Be("/outputs", "only whole path segments are rewritten");
    }

    [Test]
    public void Plan_KeepsTheImageMapsHostPaths_WhenAVolumeIsMountedAtAPrefixOfThem()
    {
        // The image map names a program in a checkout under /tmp; the container mounts a scratch volume at /tmp.
        var launch = Plan("""
            {"name":"main","image":"runner","args":["--out","/tmp/out"],"volumeMounts":[{"name":"tmp","mountPath":"/tmp"}]}
            """, volumes: new Dictionary<string, string> { ["tmp"] = "/var/pods/p1/volumes/tmp" }).Launch!;

        launch.Argv.Should().Equal("/opt/runner", "--out", "/var/pods/p1/volumes/tmp/out");
        Plan("""{"name":"main","image":"busybox","volumeMounts":[{"name":"tmp","mountPath":"/bin"}]}""",
            volumes: new Dictionary<string, string> { ["tmp"] = "/var/pods/p1/volumes/tmp" }).Launch!.Argv.Should().Equal("/bin/sh");
    }

    [Test]
    public void Plan_WaitsWithCreateContainerConfigError_WhenTheSecretIsMissing()
    {
        var (launch, waiting) = Plan("""{"name":"main","image":"runner","env":[{"name":"P","valueFrom":{"secretKeyRef":{"name":"absent","key":"k"}}}]}""");

        launch.Should().BeNull();
        waiting.Should().Be(new ContainerWaiting("CreateContainerConfigError", "secret \"absent\" not found"));
    }

    [Test]
    public void Plan_WaitsWithErrImagePull_ForAnUnmappedImage()
    {
        Plan("""{"name":"main","image":"registry.example/unknown:1"}""").Waiting!.Reason.Should().Be("ErrImagePull");
    }
}
