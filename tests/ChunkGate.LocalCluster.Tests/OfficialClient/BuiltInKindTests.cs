using System.Net;
using System.Text;
using k8s;
using k8s.Models;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>Create, read, replace, list and delete of the built-in kinds ChunkGate uses, through the client's typed models.</summary>
[Category("LocalCluster")]
public sealed class BuiltInKindTests
{
    [Test]
    public async Task Pod_CreateReadReplaceDelete_RoundTripsTheTypedModel()
    {
        using var client = OfficialClients.For();
        var ns = await OfficialClients.NamespaceAsync(client, "oc-pod");
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p1", Labels = new Dictionary<string, string> { ["app"] = "x" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "not-mapped", Command = ["/bin/true"] }] },
        };

        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        created.Metadata.NamespaceProperty.Should().Be(ns);
        created.Spec.Containers.Should().ContainSingle().Which.Name.Should().Be("main");

        // The kubelet writes the Pod's status meanwhile, so (as any client must) change it with a patch, not a replace of this copy.
        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"labels":{"app":"y"}}}""", V1Patch.PatchType.MergePatch), "p1", ns);
        patched.Spec.Containers.Should().ContainSingle();
        (await client.CoreV1.ReadNamespacedPodAsync("p1", ns)).Metadata.Labels["app"].Should().Be("y");
        var stale = await OfficialClients.FailureOfAsync(() => client.CoreV1.ReplaceNamespacedPodAsync(created, "p1", ns));
        stale.Code.Should().Be(HttpStatusCode.Conflict, "the created copy's resourceVersion is stale");

        await client.CoreV1.DeleteNamespacedPodAsync("p1", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        var (code, status) = await OfficialClients.FailureOfAsync(() => client.CoreV1.ReadNamespacedPodAsync("p1", ns));
        code.Should().Be(HttpStatusCode.NotFound);
        status.Message.Should().Be("pods \"p1\" not found");
    }

    [Test]
    public async Task Secret_StringDataIsStoredAsData_AndDataRoundTripsAsBytes()
    {
        using var client = OfficialClients.For();
        var ns = await OfficialClients.NamespaceAsync(client, "oc-secret");
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s1" },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["binary"] = [0, 1, 2, 255] },
            StringData = new Dictionary<string, string> { ["password"] = "hunter2" },
        };

        await client.CoreV1.CreateNamespacedSecretAsync(secret, ns);

        var read = await client.CoreV1.ReadNamespacedSecretAsync("s1", ns);
        read.StringData.Should().BeNull("a real server folds stringData into data");
        read.Data["binary"].Should().Equal(0, 1, 2, 255);
        Encoding.UTF8.GetString(read.Data["password"]).Should().Be("hunter2");
        await client.CoreV1.DeleteNamespacedSecretAsync("s1", ns);
        (await client.CoreV1.ListNamespacedSecretAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task ConfigMap_Immutable_RefusesDataChangesWith422()
    {
        using var client = OfficialClients.For();
        var ns = await OfficialClients.NamespaceAsync(client, "oc-cm");
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "c1" },
            Data = new Dictionary<string, string> { ["k"] = "v" },
            Immutable = true,
        }, ns);

        created.Data["k"] = "changed";
        var (code, status) = await OfficialClients.FailureOfAsync(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "c1", ns));

        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status.Reason.Should().Be("Invalid");
    }

    [Test]
    public async Task Lease_CreateReadReplaceDelete()
    {
        using var client = OfficialClients.For();
        var ns = await OfficialClients.NamespaceAsync(client, "oc-lease");
        var now = DateTime.UtcNow;
        var created = await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "l1" },
            Spec = new V1LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
        }, ns);

        created.Spec.HolderIdentity = "b";
        created.Spec.LeaseTransitions = 1;
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "l1", ns);

        var read = await client.CoordinationV1.ReadNamespacedLeaseAsync("l1", ns);
        read.Spec.HolderIdentity.Should().Be("b");
        read.Spec.LeaseTransitions.Should().Be(1);
        read.Spec.RenewTime.Should().BeCloseTo(now, TimeSpan.FromSeconds(1), "MicroTime round-trips");
        await client.CoordinationV1.DeleteNamespacedLeaseAsync("l1", ns);
        (await client.CoordinationV1.ListNamespacedLeaseAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task CoreEvent_CreateListByInvolvedObjectAndDelete()
    {
        using var client = OfficialClients.For();
        var ns = await OfficialClients.NamespaceAsync(client, "oc-cev");
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "job.1" },
            InvolvedObject = new V1ObjectReference { Kind = "ChunkJob", Name = "job", NamespaceProperty = ns, ApiVersion = "chunkgate.io/v1alpha1" },
            Reason = "Approved",
            Message = "approved by bob",
            Type = "Normal",
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = "chunkgate-operator" },
        }, ns);
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "other.1" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "other", NamespaceProperty = ns },
            Reason = "Started",
            Message = "started",
            Type = "Normal",
        }, ns);

        var forJob = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=ChunkJob,involvedObject.name=job");

        forJob.Items.Should().ContainSingle().Which.Message.Should().Be("approved by bob");
        await client.CoreV1.DeleteNamespacedEventAsync("job.1", ns);
        (await client.CoreV1.ListNamespacedEventAsync(ns)).Items.Select(e => e.Metadata.Name).Should().Equal("other.1");
    }
}
