using System.Net;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Autorest;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>Delete with preconditions and propagation policies, finalizers, and owner-reference garbage collection.</summary>
[Category("LocalCluster")]
public sealed class DeleteTests
{
    private static V1ConfigMap ConfigMap(string name, V1ConfigMap? owner = null, IList<string>? finalizers = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Finalizers = finalizers,
            OwnerReferences = owner is null ? null :
                [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = true }],
        },
    };

    private static async Task<bool> ExistsAsync(IKubernetes client, string name, string ns)
    {
        try
        {
            await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
            return true;
        }
        catch (HttpOperationException error) when (error.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Test]
    public async Task Delete_WithAWrongUidOrResourceVersionPrecondition_Is409AndKeepsTheObject()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-pre");
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), ns);

        var wrongUid = await FailureOfAsync(() => client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-it" } }));
        var wrongVersion = await FailureOfAsync(() => client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns, new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "1" } }));

        wrongUid.Code.Should().Be(HttpStatusCode.Conflict);
        wrongUid.Status.Message.Should().Be($"Operation cannot be fulfilled on configmaps \"c\": Precondition failed: UID in precondition: not-it, UID in object meta: {created.Metadata.Uid}");
        wrongVersion.Code.Should().Be(HttpStatusCode.Conflict);
        (await ExistsAsync(client, "c", ns)).Should().BeTrue();

        await client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = created.Metadata.Uid, ResourceVersion = created.Metadata.ResourceVersion } });
        (await ExistsAsync(client, "c", ns)).Should().BeFalse();
    }

    [Test]
    public async Task Delete_Background_CollectsDependents()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-bg");
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner"), ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("child", owner), ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Background");

        (await ExistsAsync(client, "owner", ns)).Should().BeFalse("background deletion removes the owner at once");
        await Eventually.TrueAsync(async () => !await ExistsAsync(client, "child", ns), "the garbage collector removed the dependent", interval: TimeSpan.FromMilliseconds(20));
    }

    [Test]
    public async Task Delete_Foreground_KeepsTheOwnerUntilItsDependentsAreGone()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-fg");
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner"), ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("child", owner, ["example.com/hold"]), ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");

        var deleting = await client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        deleting.Metadata.DeletionTimestamp.Should().NotBeNull();
        deleting.Metadata.Finalizers.Should().Contain("foregroundDeletion");
        await Eventually.TrueAsync(async () => (await client.CoreV1.ReadNamespacedConfigMapAsync("child", ns)).Metadata.DeletionTimestamp is not null,
            "the dependent is being deleted", interval: TimeSpan.FromMilliseconds(20));
        (await ExistsAsync(client, "owner", ns)).Should().BeTrue("a dependent still holds a finalizer");

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "child", ns);

        await Eventually.TrueAsync(async () => !await ExistsAsync(client, "owner", ns), "the owner went after its dependent", interval: TimeSpan.FromMilliseconds(20));
    }

    [Test]
    public async Task Delete_Orphan_StripsTheOwnerReferences()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-orphan");
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("owner"), ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("child", owner), ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Orphan");

        await Eventually.TrueAsync(async () => !await ExistsAsync(client, "owner", ns), "the owner is gone", interval: TimeSpan.FromMilliseconds(20));
        (await client.CoreV1.ReadNamespacedConfigMapAsync("child", ns)).Metadata.OwnerReferences.Should().BeNullOrEmpty();
    }

    [Test]
    public async Task Finalizer_HoldsTheObject_UntilRemoved_AndNoneCanBeAddedWhileDeleting()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-fin");
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c", finalizers: ["chunkgate.io/cleanup"]), ns);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns);
        var deleting = await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns);
        deleting.Metadata.DeletionTimestamp.Should().NotBeNull();

        var (code, status) = await FailureOfAsync(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"finalizers":["chunkgate.io/cleanup","example.com/late"]}}""", V1Patch.PatchType.MergePatch), "c", ns));
        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Reason.Should().Be("Invalid");
        status.Message.Should().Be("ConfigMap \"c\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/late\"}");
        status.Details.Causes.Should().ContainSingle().Which.Field.Should().Be("metadata.finalizers");

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), "c", ns);
        (await ExistsAsync(client, "c", ns)).Should().BeFalse("the last finalizer went");
    }

    [Test]
    public async Task Finalizer_OnACustomResource_AddingOneWhileDeleting_Is422()
    {
        using var client = For();
        await EnsureChunkGateCrdsAsync(client);
        var ns = await NamespaceAsync(client, "oc-crfin");
        var job = Sample("ChunkJob", ns, "j");
        job["metadata"]!["finalizers"] = new System.Text.Json.Nodes.JsonArray("chunkgate.io/cleanup");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(job, ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", "j");

        var (code, status) = await FailureOfAsync(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"finalizers":["chunkgate.io/cleanup","b"]}}""", V1Patch.PatchType.MergePatch), ChunkGateGroup, ChunkGateVersion, ns, "chunkjobs", "j"));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("ChunkJob.chunkgate.io \"j\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"b\"}");
    }
}
