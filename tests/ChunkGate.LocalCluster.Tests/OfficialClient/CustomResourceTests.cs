using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>ChunkGate's three custom resources (CRDs from crds/) through <c>CustomObjects</c>, including the status subresource.</summary>
[Category("LocalCluster")]
public sealed class CustomResourceTests
{
    [TestCase("ChunkJob", "chunkjobs")]
    [TestCase("ChunkApproval", "chunkapprovals")]
    [TestCase("DataConnection", "dataconnections")]
    public async Task Sample_CreateGetListReplaceDelete(string kind, string plural)
    {
        using var client = For();
        await EnsureChunkGateCrdsAsync(client);
        var ns = await NamespaceAsync(client, "oc-cr");

        var created = Json(await client.CustomObjects.CreateNamespacedCustomObjectAsync(Sample(kind, ns), ChunkGateGroup, ChunkGateVersion, ns, plural));
        var name = created["metadata"]!["name"]!.GetValue<string>();
        created["kind"]!.GetValue<string>().Should().Be(kind);
        created["metadata"]!["generation"]!.GetValue<long>().Should().Be(1);

        var list = Json(await client.CustomObjects.ListNamespacedCustomObjectAsync(ChunkGateGroup, ChunkGateVersion, ns, plural));
        list["kind"]!.GetValue<string>().Should().Be(kind + "List");
        list["items"]!.AsArray().Should().ContainSingle();

        created["metadata"]!["labels"] = new JsonObject { ["team"] = "finance" };
        var replaced = Json(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(created, ChunkGateGroup, ChunkGateVersion, ns, plural, name));
        replaced["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("finance");
        replaced["metadata"]!["generation"]!.GetValue<long>().Should().Be(1, "labels are metadata, not spec");

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(ChunkGateGroup, ChunkGateVersion, ns, plural, name);
        var (code, status) = await FailureOfAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync(ChunkGateGroup, ChunkGateVersion, ns, plural, name));
        code.Should().Be(HttpStatusCode.NotFound);
        status.Message.Should().Be($"{plural}.chunkgate.io \"{name}\" not found");
    }

    /// <summary>The sample ChunkJob, created in a fresh namespace.</summary>
    private static async Task<(string Namespace, string Name, JsonObject Job)> CreateJobAsync(IKubernetes client, string prefix)
    {
        await EnsureChunkGateCrdsAsync(client);
        var ns = await NamespaceAsync(client, prefix);
        var job = Json(await client.CustomObjects.CreateNamespacedCustomObjectAsync(Sample("ChunkJob", ns), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs"));
        return (ns, job["metadata"]!["name"]!.GetValue<string>(), job);
    }

    [Test]
    public async Task StatusWrite_IgnoresSpec_AndKeepsTheGeneration()
    {
        using var client = For();
        var (ns, name, job) = await CreateJobAsync(client, "oc-status");

        job["spec"]!["action"] = "read";
        job["status"] = new JsonObject { ["observedGeneration"] = 1 };
        var afterStatus = Json(await client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(job, ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", name));

        afterStatus["spec"]!["action"]!.GetValue<string>().Should().Be("export", "the status endpoint ignores spec");
        afterStatus["status"]!["observedGeneration"]!.GetValue<long>().Should().Be(1);
        afterStatus["metadata"]!["generation"]!.GetValue<long>().Should().Be(1);
    }

    [Test]
    public async Task MainWrite_IgnoresStatus_AndBumpsTheGenerationOnlyOnSpecChanges()
    {
        using var client = For();
        var (ns, name, _) = await CreateJobAsync(client, "oc-gen");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1}}""", V1Patch.PatchType.MergePatch), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", name);

        var annotated = Json(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"annotations":{"a":"b"}},"status":{"observedGeneration":7}}""", V1Patch.PatchType.MergePatch),
            ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", name));
        annotated["metadata"]!["generation"]!.GetValue<long>().Should().Be(1);
        annotated["status"]!["observedGeneration"]!.GetValue<long>().Should().Be(1, "the main endpoint ignores status");

        var respecced = Json(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"action":"read"}}""", V1Patch.PatchType.MergePatch), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", name));
        respecced["metadata"]!["generation"]!.GetValue<long>().Should().Be(2);
    }

    [Test]
    public async Task Replace_WithoutResourceVersion_Is422()
    {
        using var client = For();
        var (ns, name, job) = await CreateJobAsync(client, "oc-norv");
        job["metadata"]!.AsObject().Remove("resourceVersion");

        var (code, status) = await FailureOfAsync(() => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(job, ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", name));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Details.Causes.Should().ContainSingle().Which.Field.Should().Be("metadata.resourceVersion");
    }

    [Test]
    public async Task Create_WithASchemaViolation_Is422WithTheFieldPath()
    {
        using var client = For();
        await EnsureChunkGateCrdsAsync(client);
        var ns = await NamespaceAsync(client, "oc-invalid");
        var job = Sample("ChunkJob", ns);
        job["spec"]!["action"] = "drop-everything";

        var (code, status) = await FailureOfAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs"));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Reason.Should().Be("Invalid");
        status.Details.Causes.Should().Contain(c => c.Field == "spec.action");
    }
}
