using ChunkGate.Api;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Integration;

/// <summary>ChunkGate's kinds through the official client's CustomObjects and ChunkGate's informer, on the local cluster with the real CRDs.</summary>
[Category("LocalCluster")]
public sealed class CustomResourceIntegrationTests
{
    private static readonly ResourceType Jobs = new(ApiGroup.Name, ApiGroup.Version, "chunkjobs", "ChunkJob", Namespaced: true);
    private static readonly ResourceType Approvals = new(ApiGroup.Name, ApiGroup.Version, "chunkapprovals", "ChunkApproval", Namespaced: true);

    // As a designer writes it: no output, so the typed spec's defaults (format csv) are not in the stored JSON.
    private const string SpecJson = """{"connectionRef":{"name":"orders-prod"},"action":"export","tables":["public.orders"],"chunking":{"table":"public.orders","keyColumn":"id","chunkSize":1000},"query":"SELECT 1 WHERE $1 < $2"}""";

    [Test]
    public async Task ChunkJob_RoundTrips_StatusGoesThroughTheSubresource_AndTheHashFollowsTheStoredSpec()
    {
        using var client = LocalClusterFixture.Client();
        var ns = await LocalClusterFixture.NamespaceAsync(client, "cr");
        var jobs = new CustomResourceClient<ChunkJob>(client, Jobs);
        var job = KubernetesJson.Deserialize<ChunkJob>($$"""{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"export","namespace":"{{ns}}"},"spec":{{SpecJson}}}""");

        var created = await jobs.CreateAsync(job);
        var read = await jobs.GetAsync(ns, "export");

        SpecHash.Of(read).Should().Be(SpecHash.Compute(SpecJson));
        read.Spec.Chunking.ChunkSize.Should().Be(1000);
        read.Metadata.Uid.Should().Be(created.Metadata.Uid);

        read.Status = new ChunkJobStatus { Phase = JobPhase.AwaitingApproval, SpecHash = SpecHash.Of(read), ObservedGeneration = read.Metadata.Generation };
        read.Spec.Query = "SELECT 2";  // ignored by the status subresource
        var updated = await jobs.ReplaceStatusAsync(read);
        updated.Status!.Phase.Should().Be(JobPhase.AwaitingApproval);
        (await jobs.GetAsync(ns, "export")).Spec.Query.Should().Be("SELECT 1 WHERE $1 < $2");

        await FluentActions.Awaiting(() => jobs.ReplaceStatusAsync(read)).Should().ThrowAsync<ConflictException>("the resourceVersion is stale");
        await FluentActions.Awaiting(() => jobs.CreateAsync(KubernetesJson.Deserialize<ChunkJob>(KubernetesJson.Serialize(job)))).Should().ThrowAsync<AlreadyExistsException>();
        (await jobs.TryGetAsync(ns, "missing")).Should().BeNull();
    }

    [Test]
    public async Task Informer_IndexesApprovalsByJobRef_AndHandsOutCopiesWithTheStoredSpec()
    {
        using var client = LocalClusterFixture.Client();
        var ns = await LocalClusterFixture.NamespaceAsync(client, "crinf");
        var approvals = new CustomResourceClient<ChunkApproval>(client, Approvals);
        foreach (var (name, jobName) in new[] { ("a1", "export"), ("a2", "export"), ("a3", "other") })
        {
            await approvals.CreateAsync(new ChunkApproval
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = jobName }, Ttl = "10m", Reason = "OPS-1" },
            });
        }

        var informer = new Informer<ChunkApproval>(new ApiListWatch<ChunkApproval>(client, Approvals, new ListWatchOptions { Namespace = ns }), new InformerOptions<ChunkApproval>
        {
            Indexers = new Dictionary<string, Func<ChunkApproval, IEnumerable<string>>> { ["spec.jobRef.name"] = a => [a.Spec.JobRef.Name] },
        });
        using var cts = new CancellationTokenSource();
        var running = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await approvals.CreateAsync(new ChunkApproval
        {
            Metadata = new V1ObjectMeta { Name = "a4", NamespaceProperty = ns },
            Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = "export" }, Ttl = "5m", Reason = "OPS-2" },
        });
        await Eventually.TrueAsync(() => informer.Cache.ByIndex("spec.jobRef.name", "export").Count == 3, "the watch adds a4 to the index", TimeSpan.FromSeconds(30));

        var cached = informer.Cache.Get(ns, "a1")!;
        cached.StoredSpec.Should().NotBeNull();
        cached.Spec.JobRef.Name = "tampered";
        informer.Cache.ByIndex("spec.jobRef.name", "other").Select(a => a.Metadata.Name).Should().Equal("a3");
        informer.Cache.Get(ns, "a1")!.Spec.JobRef.Name.Should().Be("export");

        await cts.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
