using System.Net;
using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>dryRun and fieldManager options of writes, validated before anything is read or stored.</summary>
[Category("LocalCluster")]
public sealed class WriteOptionsTests
{
    private static V1ConfigMap ConfigMap() => new() { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["a"] = "1" } };

    [Test]
    public async Task Create_WithDryRunAll_ValidatesButStoresNothing()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-dry");

        var answered = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(), ns, dryRun: "All");

        answered.Data["a"].Should().Be("1");
        (await client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task Create_WithAnUnknownDryRunValue_Is422AndStoresNothing()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-drybad");

        var (code, status) = await FailureOfAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(), ns, dryRun: "Some"));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"Some\"]: supported values: \"All\"");
        (await client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task Patch_WithAFieldManagerLongerThan128Bytes_Is422()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-fmlong");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(), ns);

        var (code, status) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch), "c", ns, fieldManager: new string('m', 129)));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: may not be more than 128 bytes");
        (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data["a"].Should().Be("1");
    }

    [Test]
    public async Task Delete_WithAnUnknownDryRunValue_Is422AndKeepsTheObject()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-deldry");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(), ns);

        var (code, _) = await FailureOfAsync(() => client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns, dryRun: "Everything"));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data["a"].Should().Be("1");
    }

    [Test]
    public async Task Create_WithAnUnknownFieldValidation_Is422()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-fvbad");

        var (code, status) = await FailureOfAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(), ns, fieldValidation: "Loud"));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"Loud\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    }
}
