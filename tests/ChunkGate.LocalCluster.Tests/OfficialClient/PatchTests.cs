using System.Net;
using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>The four patch types of <see cref="V1Patch"/>, and the PatchOptions a real server validates.</summary>
[Category("LocalCluster")]
public sealed class PatchTests
{
    private static V1ConfigMap ConfigMap(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
    };

    [Test]
    public async Task MergePatch_SetsAndRemovesKeys()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-merge");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), ns);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":null,"c":"3"}}""", V1Patch.PatchType.MergePatch), "c", ns);

        patched.Data.Should().BeEquivalentTo(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" });
    }

    [Test]
    public async Task JsonPatch_AppliesOperations_AndAFailedTestOperationChangesNothing()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-json");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), ns);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"test","path":"/data/a","value":"1"},{"op":"replace","path":"/data/a","value":"9"}]""", V1Patch.PatchType.JsonPatch), "c", ns);
        patched.Data["a"].Should().Be("9");

        var (code, _) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"test","path":"/data/a","value":"1"},{"op":"remove","path":"/data/b"}]""", V1Patch.PatchType.JsonPatch), "c", ns));
        code.Should().Be(HttpStatusCode.UnprocessableEntity, "a failed test operation is the client's error");
        (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data.Should().ContainKey("b");
    }

    [Test]
    public async Task StrategicMergePatch_MergesContainersByName()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-smp");
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container { Name = "a", Image = "not-mapped-a" },
                    new V1Container { Name = "b", Image = "not-mapped-b" },
                ],
            },
        }, ns);

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"spec":{"containers":[{"name":"b","image":"not-mapped-b2"}]}}""", V1Patch.PatchType.StrategicMergePatch), "p", ns);

        // A JSON merge patch would have replaced the whole list with the one entry; image is one of the few mutable Pod fields.
        patched.Spec.Containers.Select(c => c.Name).Should().Equal("a", "b");
        patched.Spec.Containers.Select(c => c.Image).Should().Equal("not-mapped-a", "not-mapped-b2");
    }

    [Test]
    public async Task StrategicMergePatch_OnACustomResource_Is415()
    {
        using var client = For();
        await EnsureChunkGateCrdsAsync(client);
        var ns = await NamespaceAsync(client, "oc-smpcr");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Sample("ChunkJob", ns, "j"), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs");

        var (code, status) = await FailureOfAsync(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"action":"read"}}""", V1Patch.PatchType.StrategicMergePatch), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", "j"));

        code.Should().Be(HttpStatusCode.UnsupportedMediaType);
        status.Reason.Should().Be("UnsupportedMediaType");
    }

    [Test]
    public async Task ServerSideApply_CreatesTracksOwnershipConflictsAndForces()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-ssa");
        const string Applied = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"owned":"by-a"}}""";

        var created = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(Applied, V1Patch.PatchType.ApplyPatch), "c", ns, fieldManager: "a");
        created.Metadata.ManagedFields.Should().ContainSingle().Which.Manager.Should().Be("a");
        created.Metadata.ManagedFields[0].Operation.Should().Be("Apply");

        const string Rival = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"owned":"by-b"}}""";
        var (code, status) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(Rival, V1Patch.PatchType.ApplyPatch), "c", ns, fieldManager: "b"));
        code.Should().Be(HttpStatusCode.Conflict);
        status.Message.Should().Be("Apply failed with 1 conflict: conflict with \"a\": .data.owned");

        var forced = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(Rival, V1Patch.PatchType.ApplyPatch), "c", ns, fieldManager: "b", force: true);
        forced.Data["owned"].Should().Be("by-b");
        forced.Metadata.ManagedFields.Select(m => m.Manager).Should().Contain("b");
    }

    [Test]
    public async Task ServerSideApply_WithoutAFieldManager_Is422()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-ssanofm");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), ns);

        var (code, status) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"x"}}""", V1Patch.PatchType.ApplyPatch), "c", ns));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Reason.Should().Be("Invalid");
        status.Message.Should().Be("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        status.Details.Causes.Should().ContainSingle().Which.Field.Should().Be("fieldManager");
        (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data["a"].Should().Be("1", "nothing was written");
    }

    [TestCase(V1Patch.PatchType.MergePatch)]
    [TestCase(V1Patch.PatchType.JsonPatch)]
    [TestCase(V1Patch.PatchType.StrategicMergePatch)]
    public async Task Force_OnANonApplyPatch_Is422(V1Patch.PatchType patchType)
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-force");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), ns);
        var body = patchType == V1Patch.PatchType.JsonPatch ? """[{"op":"replace","path":"/data/a","value":"x"}]""" : """{"data":{"a":"x"}}""";

        var (code, status) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(body, patchType), "c", ns, fieldManager: "m", force: true));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch");
        (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data["a"].Should().Be("1");
    }
}
