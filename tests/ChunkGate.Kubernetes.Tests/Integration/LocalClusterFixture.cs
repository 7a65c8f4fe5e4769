using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Http;
using ChunkGate.LocalCluster.Hosting;

namespace ChunkGate.Kubernetes.Tests.Integration;

/// <summary>
/// One local cluster (the project's Kubernetes API stand-in, over HTTPS with its own CA and static
/// tokens) for every integration test here; each test works in its own namespace. The client is
/// configured from the cluster's kubeconfig by the official client, as an operator would be.
/// </summary>
[SetUpFixture]
public sealed class LocalClusterFixture
{
    private static LocalClusterHost? cluster;

    internal static LocalClusterHost Cluster => cluster ?? throw new InvalidOperationException("the local cluster is not started");

    [OneTimeSetUp]
    public async Task StartAsync() => cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
    {
        BookmarkInterval = TimeSpan.FromMilliseconds(500),
        Manifests = [Path.Combine(AppContext.BaseDirectory, "crds")],
    });

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }

    internal static KubernetesClientConfiguration Configuration(string context = "admin") =>
        KubernetesClientConfiguration.BuildConfigFromConfigFile(Cluster.KubeconfigPath, currentContext: context);

    internal static k8s.Kubernetes Client(TimeProvider? clock = null) => KubernetesClients.Create(Configuration(), timeProvider: clock);

    internal static async Task<string> NamespaceAsync(IKubernetes client, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }
}
