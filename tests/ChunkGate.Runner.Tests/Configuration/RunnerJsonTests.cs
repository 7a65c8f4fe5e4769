using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Runner.Configuration;
using k8s;

namespace ChunkGate.Runner.Tests.Configuration;

/// <summary>The runner's compile-time JSON reads every field of a spec as the operator writes it (the official client's JSON).</summary>
public sealed class RunnerJsonTests
{
    [Test]
    public void Read_ASpecWrittenByTheOfficialClient_KeepsEveryField()
    {
        var spec = new ChunkJobSpec
        {
            ConnectionRef = new NameReference { Name = "orders-db" },
            Action = JobAction.Export,
            Tables = ["public.orders", "public.customers"],
            Chunking = new Chunking { Table = "public.orders", KeyColumn = "id", ChunkSize = 5000 },
            Query = "SELECT * FROM orders WHERE id >= $1 AND id < $2",
            Output = new JobOutput { Format = OutputFormat.JsonLines, Destination = "pvc:exports" },
            Runner = new RunnerOverrides { Image = "example/runner:1", Cpu = "500m", Memory = "256Mi" },
            Parallelism = 3,
        };
        var variables = new Dictionary<string, string>
        {
            ["CHUNKGATE_JOB"] = "team/orders",
            ["CHUNKGATE_RUN"] = "r1",
            ["CHUNKGATE_EXPIRES_AT"] = "2030-01-01T00:00:00Z",
            ["CHUNKGATE_JOB_SPEC"] = KubernetesJson.Serialize(spec),
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = "6432",
            ["PGDATABASE"] = "shop",
            ["PGUSER"] = "chunkgate",
        };

        var (settings, error) = RunnerSettingsReader.Read(name => variables.GetValueOrDefault(name));

        error.Should().BeNull();
        settings!.Spec.Should().BeEquivalentTo(spec);
    }
}
