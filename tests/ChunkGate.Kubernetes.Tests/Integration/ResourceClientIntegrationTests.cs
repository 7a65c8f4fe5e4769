using System.Text;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Watching;

namespace ChunkGate.Kubernetes.Tests.Integration;

[Category("LocalCluster")]
public sealed class ResourceClientIntegrationTests
{
    private KubernetesClient client = null!;
    private string ns = null!;

    [SetUp]
    public async Task SetUp()
    {
        client = LocalClusterFixture.Client();
        ns = await LocalClusterFixture.NamespaceAsync(client, "crud");
    }

    [TearDown]
    public void TearDown() => client.Dispose();

    private ResourceClient<Secret> Secrets => client.Resource<Secret>(ResourceType.Secrets);

    private ResourceClient<GenericObject> ConfigMaps => client.Resource<GenericObject>(ResourceType.ConfigMaps);

    private GenericObject ConfigMap(string name, string value, Dictionary<string, string>? labels = null)
    {
        var map = new GenericObject { Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels } };
        map.Fields["data"] = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["value"] = value });
        return map;
    }

    private static string DataOf(GenericObject map, string key = "value") => map.Fields["data"].GetProperty(key).GetString()!;

    [Test]
    public async Task Crud_CreateGetListReplaceDelete_OnATypedSecret()
    {
        var created = await Secrets.CreateAsync(new Secret
        {
            Metadata = new ObjectMeta { Name = "creds", Namespace = ns, Labels = new() { ["app"] = "runner" } },
            Type = "Opaque",
            Data = new() { ["password"] = Encoding.UTF8.GetBytes("hunter2") },
        });

        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        created.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
        var read = await Secrets.GetAsync(ns, "creds");
        Encoding.UTF8.GetString(read.Data!["password"]).Should().Be("hunter2");
        (await Secrets.ListAsync(ns, new ListOptions { LabelSelector = "app=runner" })).Items.Should().ContainSingle();
        (await Secrets.ListAsync(ns, new ListOptions { LabelSelector = "app!=runner" })).Items.Should().BeEmpty();

        read.Data["password"] = Encoding.UTF8.GetBytes("rotated");
        var replaced = await Secrets.ReplaceAsync(read);
        replaced.Metadata.ResourceVersion.Should().NotBe(created.Metadata.ResourceVersion);

        (await Secrets.DeleteAsync(ns, "creds", new DeleteOptions { Preconditions = new Preconditions { Uid = created.Metadata.Uid } })).Should().BeNull();
        (await Secrets.TryGetAsync(ns, "creds")).Should().BeNull();
    }

    [Test]
    public async Task Conflicts_StaleReplace_DuplicateCreate_WrongPrecondition_AndMissingObjects_AreTyped()
    {
        var first = await ConfigMaps.CreateAsync(ConfigMap("settings", "1"));
        var stale = await ConfigMaps.GetAsync(ns, "settings");
        var fresh = await ConfigMaps.GetAsync(ns, "settings");
        fresh.Fields["data"] = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["value"] = "2" });
        await ConfigMaps.ReplaceAsync(fresh);

        stale.Fields["data"] = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["value"] = "lost update" });
        (await FluentActions.Awaiting(() => ConfigMaps.ReplaceAsync(stale)).Should().ThrowAsync<ConflictException>())
            .Which.Message.Should().Contain("the object has been modified");
        await FluentActions.Awaiting(() => ConfigMaps.CreateAsync(ConfigMap("settings", "dup"))).Should().ThrowAsync<AlreadyExistsException>();
        await FluentActions.Awaiting(() => ConfigMaps.DeleteAsync(ns, "settings", new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = first.Metadata.ResourceVersion } }))
            .Should().ThrowAsync<ConflictException>();
        await FluentActions.Awaiting(() => ConfigMaps.GetAsync(ns, "nope")).Should().ThrowAsync<NotFoundException>();
        await FluentActions.Awaiting(() => ConfigMaps.DeleteAsync(ns, "nope")).Should().ThrowAsync<NotFoundException>();
        DataOf(await ConfigMaps.GetAsync(ns, "settings")).Should().Be("2");
    }

    [Test]
    public async Task Invalid_CarriesTheFieldOfEachCause()
    {
        var act = () => ConfigMaps.CreateAsync(ConfigMap("Not_A_Valid_Name", "x"));

        var invalid = (await act.Should().ThrowAsync<InvalidException>()).Which;
        invalid.Causes.Should().Contain(cause => cause.Field == "metadata.name");
        invalid.StatusCode.Should().Be(422);
    }

    [Test]
    public async Task Paging_ListAllFollowsContinueAcrossPages()
    {
        for (var i = 0; i < 25; i++)
        {
            await ConfigMaps.CreateAsync(ConfigMap($"page-{i:D2}", $"{i}"));
        }

        var firstPage = await ConfigMaps.ListAsync(ns, new ListOptions { Limit = 10 });
        var all = await ConfigMaps.ListAllAsync(ns, new ListOptions { Limit = 10 });

        firstPage.Items.Should().HaveCount(10);
        firstPage.Metadata.Continue.Should().NotBeNullOrEmpty();
        all.Items.Select(m => m.Metadata.Name).Should().BeEquivalentTo(Enumerable.Range(0, 25).Select(i => $"page-{i:D2}"));
        all.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
    }

    [Test]
    public async Task Patches_Merge_Json_Strategic_AndServerSideApplyWithConflictsAndForce()
    {
        await ConfigMaps.CreateAsync(ConfigMap("patched", "0"));

        var merged = await ConfigMaps.PatchAsync(ns, "patched", PatchType.Merge, new { data = new Dictionary<string, string?> { ["value"] = "merged", ["extra"] = "e" } });
        DataOf(merged).Should().Be("merged");
        DataOf(merged, "extra").Should().Be("e");

        var jsonPatched = await ConfigMaps.PatchAsync(ns, "patched", PatchType.Json, new object[]
        {
            new { op = "test", path = "/data/value", value = "merged" },
            new { op = "add", path = "/metadata/labels", value = new Dictionary<string, string> { ["tier"] = "batch" } },
            new { op = "remove", path = "/data/extra" },
        });
        jsonPatched.Metadata.Labels.Should().Contain("tier", "batch");
        jsonPatched.Fields["data"].TryGetProperty("extra", out _).Should().BeFalse();

        var failedTest = () => ConfigMaps.PatchAsync(ns, "patched", PatchType.Json, new object[] { new { op = "test", path = "/data/value", value = "other" } });
        await failedTest.Should().ThrowAsync<KubernetesApiException>();

        var strategic = await ConfigMaps.PatchAsync(ns, "patched", PatchType.StrategicMerge, new { metadata = new { labels = new Dictionary<string, string> { ["owner"] = "alice" } } });
        strategic.Metadata.Labels.Should().Contain("tier", "batch").And.Contain("owner", "alice");

        var applied = ConfigMap("patched", "from-operator");
        applied.ApiVersion = "v1";
        applied.Kind = "ConfigMap";
        var afterApply = await ConfigMaps.ApplyAsync(applied, "chunkgate-operator");
        DataOf(afterApply).Should().Be("from-operator");

        var rival = ConfigMap("patched", "from-rival");
        rival.ApiVersion = "v1";
        rival.Kind = "ConfigMap";
        var conflicting = () => ConfigMaps.ApplyAsync(rival, "someone-else");
        (await conflicting.Should().ThrowAsync<ConflictException>()).Which.Message.Should().Contain("conflict");
        DataOf(await ConfigMaps.ApplyAsync(rival, "someone-else", force: true)).Should().Be("from-rival");
    }

    [Test]
    public async Task StatusSubresource_OnlyChangesStatus_AndTheMainEndpointIgnoresStatus()
    {
        var pods = client.Resource<Pod>(ResourceType.Pods);
        var pod = await pods.CreateAsync(new Pod
        {
            Metadata = new ObjectMeta { Name = "run", Namespace = ns },
            Spec = new PodSpec { RestartPolicy = "Never", ActiveDeadlineSeconds = 600, Containers = [new Container { Name = "runner", Image = "busybox" }] },
        });

        pod.Status = new PodStatus { Phase = "Succeeded", Message = "all chunks done" };
        pod.Spec.ActiveDeadlineSeconds = 1;
        var afterStatus = await pods.ReplaceStatusAsync(pod);
        afterStatus.Status!.Phase.Should().Be("Succeeded");
        afterStatus.Spec.ActiveDeadlineSeconds.Should().Be(600, "the status subresource ignores spec changes");

        afterStatus.Status.Phase = "Failed";
        afterStatus.Metadata.Labels = new() { ["seen"] = "yes" };
        var afterMain = await pods.ReplaceAsync(afterStatus);
        afterMain.Status!.Phase.Should().Be("Succeeded", "the main endpoint ignores status");
        afterMain.Metadata.Labels.Should().Contain("seen", "yes");

        var patchedStatus = await pods.PatchAsync(ns, "run", PatchType.Merge, new { status = new { message = "patched" } }, new PatchParameters { Subresource = "status" });
        patchedStatus.Status!.Message.Should().Be("patched");
    }

    [Test]
    public async Task Watch_ResumesFromTheLastSeenVersion_WithoutLossOrRepeat()
    {
        var start = await ConfigMaps.ListAsync(ns);
        await ConfigMaps.CreateAsync(ConfigMap("w1", "a"));
        await ConfigMaps.CreateAsync(ConfigMap("w2", "a"));

        string? lastVersion = null;
        var firstBatch = new List<string>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await foreach (var e in ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = start.Metadata.ResourceVersion, AllowWatchBookmarks = false }, cancellationToken: cts.Token))
            {
                firstBatch.Add($"{e.Type} {e.Object!.Metadata.Name}");
                lastVersion = e.ResourceVersion;
                if (firstBatch.Count == 2)
                {
                    break;
                }
            }
        }

        await ConfigMaps.PatchAsync(ns, "w1", PatchType.Merge, new { data = new { value = "b" } });
        await ConfigMaps.DeleteAsync(ns, "w2");

        var resumed = new List<string>();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await foreach (var e in ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = lastVersion, AllowWatchBookmarks = false }, cancellationToken: cts.Token))
            {
                resumed.Add($"{e.Type} {e.Object!.Metadata.Name}");
                if (resumed.Count == 2)
                {
                    break;
                }
            }
        }

        firstBatch.Should().Equal("Added w1", "Added w2");
        resumed.Should().Equal("Modified w1", "Deleted w2");
    }

    [Test]
    public async Task Watch_FromACompactedVersion_GetsA410ErrorEvent()
    {
        var old = (await ConfigMaps.ListAsync(ns)).Metadata.ResourceVersion;
        await ConfigMaps.CreateAsync(ConfigMap("after", "x"));
        LocalClusterFixture.Cluster.CompactWatchCache();

        WatchEvent<GenericObject>? first = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = old }, cancellationToken: cts.Token))
        {
            first = e;
            break;
        }

        first!.Value.Type.Should().Be(WatchEventType.Error);
        first.Value.IsExpired.Should().BeTrue();
        first.Value.Status!.Message.Should().Contain("too old resource version");
    }
}
