using System.Text.Json.Nodes;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Tests.Builders;
using k8s;
using k8s.Models;

namespace ChunkGate.Api.Tests.Meta;

/// <summary>ChunkGate kinds go through the official client's serializer (k8s.KubernetesJson) unchanged.</summary>
public sealed class CustomResourceJsonTests
{
    [Test]
    public void Serialize_WritesTypeMetaFirst_AndWireNamesForEnums()
    {
        var json = KubernetesJson.Serialize(ChunkJobs.Export());
        json.Should().StartWith("""{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"export-orders","namespace":"data-jobs"}""");
        JsonNode.Parse(json)!["spec"]!["action"]!.GetValue<string>().Should().Be("export");
    }

    [Test]
    public void Deserialize_ReadsWhatTheApiServerStores()
    {
        var job = KubernetesJson.Deserialize<ChunkJob>("""
            {"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob",
             "metadata":{"name":"j","namespace":"n","uid":"u-1","generation":3,"resourceVersion":"17","creationTimestamp":"2026-11-23T10:00:00Z"},
             "spec":{"connectionRef":{"name":"c"},"action":"transform","tables":["public.t"],"chunking":{"table":"public.t","keyColumn":"id","chunkSize":5},"query":"SELECT $1, $2"},
             "status":{"phase":"AwaitingApproval","specHash":"sha256:00","approval":{"approvals":["a"],"approvers":["bob"],"expiresAt":"2026-11-23T10:15:00Z"}}}
            """)!;
        job.Metadata.Generation.Should().Be(3);
        job.Metadata.CreationTimestamp.Should().Be(new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc));
        job.Spec.Action.Should().Be(JobAction.Transform);
        job.Status!.Phase.Should().Be(JobPhase.AwaitingApproval);
        job.Status.Approval!.ExpiresAt.Should().Be(new DateTimeOffset(2026, 11, 23, 10, 15, 0, TimeSpan.Zero));
    }

    [Test]
    public void Deserialize_RejectsAnActionOutsideTheEnum()
    {
        var act = () => KubernetesJson.Deserialize<ChunkJob>("""{"spec":{"action":"delete"}}""");
        act.Should().Throw<System.Text.Json.JsonException>();
    }

    [Test]
    public void Kinds_AreObjectsOfTheOfficialClient()
    {
        IKubernetesObject<V1ObjectMeta> job = ChunkJobs.Export();
        job.Metadata.Name.Should().Be("export-orders");
        ((ISpec<ChunkJobSpec>)job).Spec.Action.Should().Be(JobAction.Export);
    }

    [Test]
    public void Clone_IsDeep_AndKeepsTheStoredSpec()
    {
        var job = KubernetesJson.Deserialize<ChunkJob>(KubernetesJson.Serialize(ChunkJobs.Export()));
        var copy = (ChunkJob)job.Clone();

        copy.Spec.Tables.Add("public.other");
        copy.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };

        job.Spec.Tables.Should().NotContain("public.other");
        job.Metadata.Labels.Should().BeNull();
        copy.StoredSpec!.Value.GetRawText().Should().Be(job.StoredSpec!.Value.GetRawText());
    }
}
