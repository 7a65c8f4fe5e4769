using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Configuration;

public sealed class ClientConfigurationDiscoveryTests
{
    private TempDirectory dir = null!;

    [SetUp]
    public void SetUp() => dir = new TempDirectory();

    [TearDown]
    public void TearDown() => dir.Dispose();

    private string Kubeconfig(string name, string server) => dir.Write(name, $"current-context: c\nclusters:\n- name: k\n  cluster: {{server: \"{server}\"}}\ncontexts:\n- name: c\n  context: {{cluster: k}}\n");

    private ClientConfigurationDiscovery Discovery(Dictionary<string, string> env) =>
        new(name => env.GetValueOrDefault(name), new FakeTimeProvider(), Path.Combine(dir.Path, "sa"));

    [Test]
    public void ExplicitPath_WinsOverEverything()
    {
        var explicitFile = Kubeconfig("explicit", "https://explicit:6443");
        var envFile = Kubeconfig("env", "https://env:6443");

        var config = Discovery(new() { ["KUBECONFIG"] = envFile, ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" }).Load(explicitFile);

        config.Server.Host.Should().Be("explicit");
    }

    [Test]
    public void ExplicitPath_ThatDoesNotExist_IsAnError()
    {
        var act = () => Discovery([]).Load(Path.Combine(dir.Path, "absent"));

        act.Should().Throw<KubeConfigException>().WithMessage("*absent: the kubeconfig file given does not exist");
    }

    [Test]
    public void KubeconfigVariable_WinsOverInCluster()
    {
        dir.Write("sa/token", "t");

        var config = Discovery(new() { ["KUBECONFIG"] = Kubeconfig("env", "https://env:6443"), ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" }).Load();

        config.Server.Host.Should().Be("env");
    }

    [Test]
    public void InCluster_IsUsedWhenNoKubeconfigIsNamed()
    {
        dir.Write("sa/token", "t");

        var config = Discovery(new() { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443", ["HOME"] = dir.Path }).Load();

        config.ContextName.Should().Be("in-cluster");
    }

    [Test]
    public void HomeKubeconfig_IsTheLastResort()
    {
        Kubeconfig(".kube/config", "https://home:6443");

        Discovery(new() { ["HOME"] = dir.Path }).Load().Server.Host.Should().Be("home");
    }
}
