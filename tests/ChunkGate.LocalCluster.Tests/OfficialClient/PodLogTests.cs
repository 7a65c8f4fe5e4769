using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>Pod logs through <c>ReadNamespacedPodLogAsync</c> (the process kubelet runs busybox as the host's /bin/sh).</summary>
[Category("LocalCluster")]
public sealed class PodLogTests
{
    [Test]
    public async Task ReadLog_OfAFinishedPod_ReturnsItsOutput_AndTailLinesCutsIt()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-log");
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "echo" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers = [new V1Container { Name = "main", Image = "busybox", Command = ["/bin/sh", "-c", "echo one; echo two; echo three"] }],
            },
        }, ns);
        await Eventually.TrueAsync(
            async () => (await client.CoreV1.ReadNamespacedPodAsync("echo", ns)).Status?.Phase == "Succeeded",
            "the Pod has finished", interval: TimeSpan.FromMilliseconds(100));

        using var reader = new StreamReader(await client.CoreV1.ReadNamespacedPodLogAsync("echo", ns));
        (await reader.ReadToEndAsync()).Should().Be("one\ntwo\nthree\n");

        using var tail = new StreamReader(await client.CoreV1.ReadNamespacedPodLogAsync("echo", ns, container: "main", tailLines: 1));
        (await tail.ReadToEndAsync()).Should().Be("three\n");
    }
}
