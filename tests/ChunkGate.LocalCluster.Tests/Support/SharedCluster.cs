using ChunkGate.LocalCluster.Hosting;
using ChunkGate.LocalCluster.Kubelet;
using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests;

/// <summary>
/// One local cluster for the whole test assembly (start-up is the expensive part); tests isolate
/// themselves with their own namespaces. The kubelet maps <c>busybox</c> to the host's /bin/sh.
/// </summary>
[SetUpFixture]
public sealed class SharedCluster
{
    private static LocalClusterHost? cluster;

    internal static LocalClusterHost Cluster => cluster ?? throw new InvalidOperationException("the shared cluster is not started");

    internal static string FixturesDirectory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures");

    internal static Kubectl Kubectl { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            Manifests = [Path.Combine(FixturesDirectory, "widgets-crd.yaml")],
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
            Images = new Dictionary<string, ImageMapping>
            {
                ["busybox"] = new([], ["/bin/sh"]),
            },
        });
        Kubectl = new Kubectl(cluster.KubeconfigPath, Path.Combine(cluster.Directory, "kubectl-cache"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>A fresh namespace for one test.</summary>
    internal static async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await Kubectl.OkAsync($"create namespace {name}");
        return name;
    }
}
