using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>
/// Unconditional writes (no resourceVersion) from many clients at once, which a real server retries
/// internally. Before the fix about 1 in 400 such patches got a 409; this is the end-to-end view, and
/// <c>UnconditionalWriteRetryTests</c> pins the retry deterministically.
/// </summary>
[Category("LocalCluster")]
public sealed class ConcurrencyTests
{
    [Test]
    public async Task MergePatches_WithoutAResourceVersion_From16Writers_NeverSee409()
    {
        const int Writers = 16;
        const int PatchesEach = 64;
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-race");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "hot" } }, ns);

        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < PatchesEach; i++)
            {
                try
                {
                    await client.CoreV1.PatchNamespacedConfigMapAsync(
                        new V1Patch($$$"""{"data":{"w{{{writer}}}":"{{{i}}}"}}""", V1Patch.PatchType.MergePatch), "hot", ns);
                }
                catch (HttpOperationException error) when (error.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        conflicts.Should().Be(0);
        var final = await client.CoreV1.ReadNamespacedConfigMapAsync("hot", ns);
        final.Data.Should().HaveCount(Writers).And.OnlyContain(pair => pair.Value == (PatchesEach - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
