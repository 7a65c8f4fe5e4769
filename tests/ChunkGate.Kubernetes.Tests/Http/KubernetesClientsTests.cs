using System.Text.Json;
using ChunkGate.Kubernetes.Http;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Http;

public sealed class KubernetesClientsTests
{
    [Test]
    public void Create_MakesTheClientWriteWholeSecondTimesAsMicroTime()
    {
        var renew = new DateTime(2026, 1, 1, 0, 0, 58, DateTimeKind.Utc);
        var lease = new V1Lease { Spec = new V1LeaseSpec { HolderIdentity = "me", RenewTime = renew } };
        KubernetesJson.Serialize(lease).Should().Contain("\"renewTime\":\"2026-01-01T00:00:58Z\"", "the official client drops a zero fraction, which a real server refuses for MicroTime");

        var configuration = new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" };
        using var client = KubernetesClients.Create(configuration);
        var json = JsonSerializer.Serialize(lease, configuration.JsonSerializerOptions);

        json.Should().Contain("\"renewTime\":\"2026-01-01T00:00:58.000000Z\"");
        JsonSerializer.Deserialize<V1Lease>(json, configuration.JsonSerializerOptions)!.Spec.RenewTime.Should().Be(renew);
    }
}
