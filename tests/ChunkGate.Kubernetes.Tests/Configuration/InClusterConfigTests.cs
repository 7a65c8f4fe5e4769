using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Configuration;

public sealed class InClusterConfigTests
{
    private TempDirectory dir = null!;

    [SetUp]
    public void SetUp() => dir = new TempDirectory();

    [TearDown]
    public void TearDown() => dir.Dispose();

    private static Func<string, string?> Env(string? host = "10.96.0.1", string? port = "443") =>
        name => name switch
        {
            "KUBERNETES_SERVICE_HOST" => host,
            "KUBERNETES_SERVICE_PORT" => port,
            _ => null,
        };

    [Test]
    public async Task Load_ReadsServiceAccountFilesAndRereadsTheRotatedToken()
    {
        dir.Write("token", "sa-token-1");
        dir.Write("ca.crt", TestCertificates.CaPem);
        dir.Write("namespace", "chunkgate-system\n");
        var clock = new FakeTimeProvider();

        var config = new InClusterConfig(Env(), clock, dir.Path).Load();

        config.Server.Should().Be(new Uri("https://10.96.0.1:443"));
        config.Namespace.Should().Be("chunkgate-system");
        config.CertificateAuthorities.Should().ContainSingle();
        (await config.Credentials!.GetAuthorizationAsync(default))!.Parameter.Should().Be("sa-token-1");

        dir.Write("token", "sa-token-2");
        clock.Advance(TimeSpan.FromSeconds(61));
        (await config.Credentials.GetAuthorizationAsync(default))!.Parameter.Should().Be("sa-token-2");
    }

    [Test]
    public void Load_Ipv6Host_IsBracketed()
    {
        dir.Write("token", "t");

        new InClusterConfig(Env(host: "fd00::1"), new FakeTimeProvider(), dir.Path).Load().Server.Should().Be(new Uri("https://[fd00::1]:443"));
    }

    [Test]
    public void Load_WithoutServiceEnvironment_SaysWhichVariables()
    {
        dir.Write("token", "t");

        var act = () => new InClusterConfig(Env(host: null), new FakeTimeProvider(), dir.Path).Load();

        act.Should().Throw<KubeConfigException>().WithMessage("*KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT*");
    }

    [Test]
    public void Load_WithoutToken_NamesTheFile()
    {
        var act = () => new InClusterConfig(Env(), new FakeTimeProvider(), dir.Path).Load();

        act.Should().Throw<KubeConfigException>().WithMessage($"*{dir.Path}/token does not exist*");
    }

    [Test]
    public void Load_NoNamespaceFile_DefaultsToDefault()
    {
        dir.Write("token", "t");

        new InClusterConfig(Env(), new FakeTimeProvider(), dir.Path).Load().Namespace.Should().Be("default");
    }
}
