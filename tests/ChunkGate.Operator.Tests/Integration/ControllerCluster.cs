using ChunkGate.LocalCluster.Hosting;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// One local cluster for the controller's integration tests, with a process kubelet whose images
/// are stand-ins: the runner sleeps (a run that lasts until it is ended), the sidecar sleeps too
/// (these tests reach PostgreSQL directly with the run's credential; the sidecar has its own tests).
/// Each test works in its own namespace with its own controller.
/// </summary>
[SetUpFixture]
public sealed class ControllerCluster
{
    public const string SleepingRunner = "chunkgate/runner:sleep";
    public const string FinishingRunner = "chunkgate/runner:done";
    public const string Sidecar = "chunkgate/sidecar:stand-in";

    private static LocalClusterHost? cluster;
    private static string? imageDirectory;

    internal static LocalClusterHost Cluster => cluster ?? throw new InvalidOperationException("the local cluster is not started");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        imageDirectory = Directory.CreateTempSubdirectory("chunkgate-controller-images-").FullName;
        var images = Path.Combine(imageDirectory, "images.yaml");
        await File.WriteAllTextAsync(images, $"""
            images:
              {SleepingRunner}:
                entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                cmd: []
              {FinishingRunner}:
                entrypoint: ["/bin/sh", "-c", "exit 0"]
                cmd: []
              {Sidecar}:
                entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                cmd: []
            """);
        cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
            Manifests = [Path.Combine(AppContext.BaseDirectory, "crds")],
            ImageMapFile = images,
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        if (imageDirectory is not null)
        {
            Directory.Delete(imageDirectory, recursive: true);
        }
    }
}
