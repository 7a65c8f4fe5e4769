using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>The project's own crds/ and samples/ through kubectl.</summary>
[Category("LocalCluster")]
public sealed class ChunkGateManifestTests
{
    private static string Crds => Path.Combine(TestContext.CurrentContext.TestDirectory, "crds");

    private static string Samples => Path.Combine(TestContext.CurrentContext.TestDirectory, "samples");

    [Test]
    public async Task ApplyCrdsThenSamples_ServesThemWithTheirPrinterColumns()
    {
        if (!Directory.Exists(Crds) || Directory.GetFiles(Crds, "*.yaml").Length == 0)
        {
            Assert.Ignore("crds/ is empty in this checkout");
        }

        var kubectl = SharedCluster.Kubectl;
        (await kubectl.OkAsync($"apply -f {Crds}")).Output.Should().Contain("chunkjobs.chunkgate.io");
        await kubectl.OkAsync("wait --for=condition=Established crd/chunkjobs.chunkgate.io --timeout=10s");
        await kubectl.RunAsync("create namespace data-jobs");

        await kubectl.OkAsync($"apply -f {Samples}");
        (await kubectl.OkAsync($"apply -f {Samples}")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(line => line.EndsWith(" unchanged", StringComparison.Ordinal));

        var jobs = await kubectl.OkAsync("get chunkjobs -n data-jobs");
        jobs.Output.Split('\n')[0].Should().MatchRegex(@"^NAME\s+PHASE\s+ACTION\s+CONNECTION\s+APPROVERS\s+EXPIRES\s+PROGRESS\s+AGE");
        jobs.Output.Should().Contain("export-orders-2026q3");
    }
}
