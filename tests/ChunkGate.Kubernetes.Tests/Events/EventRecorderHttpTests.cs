using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Events;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Events;

public sealed class EventRecorderHttpTests
{
    private static readonly GenericObject Job = new()
    {
        ApiVersion = "chunkgate.io/v1alpha1",
        Kind = "ChunkJob",
        Metadata = new ObjectMeta { Name = "nightly-export", Namespace = "team-a", Uid = "7c1e", ResourceVersion = "12" },
    };

    [Test]
    public async Task Record_CreatesACoreEvent_ThenPatchesItsCountOnRepeat_AndRecreatesWhenTheServerLostIt()
    {
        await using var server = await CannedApiServer.StartAsync();
        var patches = 0;
        server.Handler = (context, request) => request.Method switch
        {
            "POST" => CannedApiServer.WriteJsonAsync(context, 201, request.Body),
            "PATCH" when Interlocked.Increment(ref patches) == 1 => CannedApiServer.WriteJsonAsync(context, 200, "{\"kind\":\"Event\",\"metadata\":{\"name\":\"x\"}}"),
            _ => CannedApiServer.WriteJsonAsync(context, 404, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"events \"x\" not found","reason":"NotFound","code":404}"""),
        };
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        using var client = new KubernetesClient(server.Configuration(), timeProvider: clock);
        var recorder = new EventRecorder(client, "chunkgate-operator", "chunkgate-operator-7d9f-abc");

        await recorder.RecordAsync(Job, EventTypes.Normal, "Approved", "approved by bob (ticket OPS-12)");
        clock.Advance(TimeSpan.FromSeconds(5));
        await recorder.RecordAsync(Job, EventTypes.Normal, "Approved", "approved by bob (ticket OPS-12)");
        clock.Advance(TimeSpan.FromSeconds(5));
        await recorder.RecordAsync(Job, EventTypes.Normal, "Approved", "approved by bob (ticket OPS-12)");

        var requests = server.Requests.ToList();
        requests.Select(r => r.Method).Should().Equal("POST", "PATCH", "PATCH", "POST");
        var created = JsonNode.Parse(requests[0].Body)!;
        requests[0].Path.Should().Be("/api/v1/namespaces/team-a/events");
        created["kind"]!.GetValue<string>().Should().Be("Event");
        created["metadata"]!["name"]!.GetValue<string>().Should().StartWith("nightly-export.");
        created["involvedObject"]!["kind"]!.GetValue<string>().Should().Be("ChunkJob");
        created["involvedObject"]!["uid"]!.GetValue<string>().Should().Be("7c1e");
        created["involvedObject"]!["apiVersion"]!.GetValue<string>().Should().Be("chunkgate.io/v1alpha1");
        created["type"]!.GetValue<string>().Should().Be("Normal");
        created["reason"]!.GetValue<string>().Should().Be("Approved");
        created["count"]!.GetValue<int>().Should().Be(1);
        created["firstTimestamp"]!.GetValue<string>().Should().Be("2026-11-23T09:00:00Z");
        created["source"]!["component"]!.GetValue<string>().Should().Be("chunkgate-operator");
        created["reportingComponent"]!.GetValue<string>().Should().Be("chunkgate-operator");
        created["reportingInstance"]!.GetValue<string>().Should().Be("chunkgate-operator-7d9f-abc");

        var patch = JsonNode.Parse(requests[1].Body)!;
        requests[1].ContentType.Should().Be("application/merge-patch+json");
        requests[1].Path.Should().Be($"/api/v1/namespaces/team-a/events/{created["metadata"]!["name"]!.GetValue<string>()}");
        patch["count"]!.GetValue<int>().Should().Be(2);
        patch["lastTimestamp"]!.GetValue<string>().Should().Be("2026-11-23T09:00:05Z");

        var recreated = JsonNode.Parse(requests[3].Body)!;
        recreated["metadata"]!["name"]!.GetValue<string>().Should().NotBe(created["metadata"]!["name"]!.GetValue<string>());
    }

    [Test]
    public async Task Record_NeverThrows_WhenTheServerRefuses()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 403, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"events is forbidden","reason":"Forbidden","code":403}""");
        using var client = new KubernetesClient(server.Configuration());
        var recorder = new EventRecorder(client, "chunkgate-operator", "pod-1");

        await recorder.RecordAsync(Job, EventTypes.Warning, "CredentialRevoked", "role revoked");

        server.Requests.Should().ContainSingle();
    }
}
