using ChunkGate.LocalCluster.Kubelet;

namespace ChunkGate.LocalCluster.Tests.Kubelet;

public sealed class ImageMapTests
{
    [Test]
    public void Load_TheExampleFile_ResolvesTaggedImagesAndFileRelativePaths()
    {
        var file = Path.Combine(TestContext.CurrentContext.TestDirectory, "images.example.yaml");

        var map = ImageMap.Load(file, null)!;

        var sidecar = map.Resolve("chunkgate/sidecar:1.4.2")!;
        sidecar.Entrypoint.Should().ContainSingle("the sidecar is the native executable a Release build compiles ahead of time")
            .Which.Should().EndWith(Path.Combine("operator", "ChunkGate.Sidecar", "bin", "Release", "net10.0", "native", "ChunkGate.Sidecar"));
        Path.IsPathRooted(sidecar.Entrypoint[0]).Should().BeTrue();
        sidecar.Environment["DOTNET_gcServer"].Should().Be("0");
        sidecar.OverrideEnvironment["CHUNKGATE_SIDECAR_LISTEN"].Should().Be("$(LOCALCLUSTER_POD_IP):6432");
        var runner = map.Resolve("chunkgate/runner:dev")!;
        runner.Entrypoint.Should().ContainSingle("the runner is the native executable a Release build compiles ahead of time")
            .Which.Should().EndWith(Path.Combine("operator", "ChunkGate.Runner", "bin", "Release", "net10.0", "native", "ChunkGate.Runner"));
        runner.OverrideEnvironment["PGHOST"].Should().Be("$(LOCALCLUSTER_POD_IP)");
        map.Resolve("docker.io/library/busybox@sha256:abc").Should().BeNull("only the repository as written is known");
        map.Resolve("busybox:1.36")!.Cmd.Should().Equal("/bin/sh");
    }

    [Test]
    public void Load_WithoutFileOrOverrides_MeansNoKubelet() => ImageMap.Load(null, null).Should().BeNull();
}
