using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>
/// events.k8s.io/v1 Events, which a real server stores with core/v1 Events: one object, two shapes
/// (regarding/involvedObject, note/message, reportingController/reportingComponent, deprecated* fields).
/// </summary>
[Category("LocalCluster")]
public sealed class EventTests
{
    private static Eventsv1Event Event(string name, string ns, string note) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        EventTime = DateTime.UtcNow,
        Action = "Approve",
        Reason = "Approved",
        Note = note,
        Type = "Normal",
        ReportingController = "chunkgate.io/operator",
        ReportingInstance = "operator-0",
        Regarding = new V1ObjectReference { ApiVersion = "chunkgate.io/v1alpha1", Kind = "ChunkJob", Name = "job", NamespaceProperty = ns, Uid = "u-1" },
    };

    [Test]
    public async Task EventsV1_CreateGetListPatchDelete()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-ev1");

        var created = await client.EventsV1.CreateNamespacedEventAsync(Event("e1", ns, "approved by bob"), ns);
        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        created.Regarding.Name.Should().Be("job");
        created.Note.Should().Be("approved by bob");

        (await client.EventsV1.ReadNamespacedEventAsync("e1", ns)).ReportingController.Should().Be("chunkgate.io/operator");
        (await client.EventsV1.ListNamespacedEventAsync(ns)).Items.Should().ContainSingle().Which.Action.Should().Be("Approve");
        var patched = await client.EventsV1.PatchNamespacedEventAsync(
            new V1Patch("""{"series":{"count":2,"lastObservedTime":"2026-01-01T00:00:00.000000Z"}}""", V1Patch.PatchType.MergePatch), "e1", ns);
        patched.Series.Count.Should().Be(2);

        await client.EventsV1.DeleteNamespacedEventAsync("e1", ns);
        (await client.EventsV1.ListNamespacedEventAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task EventsV1_AndCoreV1_AreTwoViewsOfOneStorage()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-evboth");
        await client.EventsV1.CreateNamespacedEventAsync(Event("from-v1", ns, "note"), ns);
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "from-core" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p", NamespaceProperty = ns },
            Reason = "Started",
            Message = "message",
            Type = "Warning",
            Count = 3,
            Source = new V1EventSource { Component = "kubelet", Host = "local-node" },
        }, ns);

        var asCore = await client.CoreV1.ReadNamespacedEventAsync("from-v1", ns);
        asCore.InvolvedObject.Kind.Should().Be("ChunkJob");
        asCore.Message.Should().Be("note");
        asCore.ReportingComponent.Should().Be("chunkgate.io/operator");
        asCore.ReportingInstance.Should().Be("operator-0");
        asCore.Action.Should().Be("Approve");

        var asV1 = await client.EventsV1.ReadNamespacedEventAsync("from-core", ns);
        asV1.Regarding.Kind.Should().Be("Pod");
        asV1.Note.Should().Be("message");
        asV1.Type.Should().Be("Warning");
        asV1.DeprecatedCount.Should().Be(3);
        asV1.DeprecatedSource.Component.Should().Be("kubelet");

        (await client.CoreV1.ListNamespacedEventAsync(ns)).Items.Should().HaveCount(2);
        (await client.EventsV1.ListNamespacedEventAsync(ns)).Items.Should().HaveCount(2);
    }

    [Test]
    public async Task EventsV1_Watch_SeesEventsWrittenThroughEitherVersion()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-evwatch");
        var list = await client.EventsV1.ListNamespacedEventAsync(ns);
        await client.EventsV1.CreateNamespacedEventAsync(Event("e1", ns, "first"), ns);
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "e2" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p", NamespaceProperty = ns },
            Message = "second",
        }, ns);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var notes = new List<string>();
        await foreach (var (type, item) in client.EventsV1.WatchListNamespacedEventAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: timeout.Token))
        {
            type.Should().Be(WatchEventType.Added);
            item.ApiVersion.Should().Be("events.k8s.io/v1");
            notes.Add(item.Note);
            if (notes.Count == 2)
            {
                break;
            }
        }

        notes.Should().Equal("first", "second");
    }

    [Test]
    public async Task EventsV1_WithoutEventTimeOrReportingController_Is422()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-evinvalid");
        var noTime = Event("e1", ns, "n");
        noTime.EventTime = null;
        var noController = Event("e2", ns, "n");
        noController.ReportingController = null;

        var (timeCode, timeStatus) = await FailureOfAsync(() => client.EventsV1.CreateNamespacedEventAsync(noTime, ns));
        var (controllerCode, controllerStatus) = await FailureOfAsync(() => client.EventsV1.CreateNamespacedEventAsync(noController, ns));

        timeCode.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        timeStatus.Details.Causes.Should().ContainSingle().Which.Field.Should().Be("eventTime");
        controllerCode.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        controllerStatus.Details.Causes.Should().ContainSingle().Which.Field.Should().Be("reportingController");
        (await client.EventsV1.ListNamespacedEventAsync(ns)).Items.Should().BeEmpty();
    }

    [Test]
    public async Task EventsV1_IsInDiscovery()
    {
        using var client = For();

        var resources = await client.EventsV1.GetAPIResourcesAsync();

        resources.GroupVersion.Should().Be("events.k8s.io/v1");
        resources.Resources.Should().ContainSingle(r => r.Name == "events").Which.Namespaced.Should().BeTrue();
        (await client.Apis.GetAPIVersionsAsync()).Groups.Should().Contain(g => g.Name == "events.k8s.io");
    }
}
