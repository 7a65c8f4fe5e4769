using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Events;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Tests.Events;

public sealed class EventRecorderHttpTests
{
    private static readonly V1ObjectReference Job = new()
    {
        ApiVersion = "chunkgate.io/v1alpha1",
        Kind = "ChunkJob",
        Name = "nightly-export",
        NamespaceProperty = "team-a",
        Uid = "7c1e",
        ResourceVersion = "12",
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
        using var client = server.Client(clock);
        var recorder = new EventRecorder(client, "chunkgate-operator", "chunkgate-operator-7d9f-abc", clock);

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
        created["firstTimestamp"]!.GetValue<string>().Should().Be("2026-11-23T09:00:00.000000Z", "the server accepts metav1.Time with a fraction");
        created["source"]!["component"]!.GetValue<string>().Should().Be("chunkgate-operator");
        created["reportingComponent"]!.GetValue<string>().Should().Be("chunkgate-operator");
        created["reportingInstance"]!.GetValue<string>().Should().Be("chunkgate-operator-7d9f-abc");

        var patch = JsonNode.Parse(requests[1].Body)!;
        requests[1].ContentType.Should().StartWith("application/merge-patch+json");
        requests[1].Path.Should().Be($"/api/v1/namespaces/team-a/events/{created["metadata"]!["name"]!.GetValue<string>()}");
        patch["count"]!.GetValue<int>().Should().Be(2);
        patch["lastTimestamp"]!.GetValue<string>().Should().Be("2026-11-23T09:00:05.000000Z");

        var recreated = JsonNode.Parse(requests[3].Body)!;
        recreated["metadata"]!["name"]!.GetValue<string>().Should().NotBe(created["metadata"]!["name"]!.GetValue<string>());
    }

    [Test]
    public async Task Record_NeverThrows_WhenTheServerRefuses()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 403, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"events is forbidden","reason":"Forbidden","code":403}""");
        using var client = server.Client();
        var logs = new ListLoggerFactory();
        var recorder = new EventRecorder(client, "chunkgate-operator", "pod-1", loggerFactory: logs);

        await recorder.RecordAsync(Job, EventTypes.Warning, "CredentialRevoked", "role revoked");

        server.Requests.Should().ContainSingle();
        logs.Lines.Should().ContainSingle(l => l.Level == LogLevel.Warning && l.Message.Contains("CredentialRevoked") && l.Message.Contains("role revoked"));
    }

    [Test]
    public async Task Record_NeverDropsADistinctEventSilently()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, request) => CannedApiServer.WriteJsonAsync(context, 201, request.Body);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        using var client = server.Client(clock);
        var logs = new ListLoggerFactory();
        var recorder = new EventRecorder(client, "chunkgate-operator", "pod-1", clock, logs);

        const int Distinct = EventCorrelator.SpamBurst + 5;
        for (var i = 0; i < Distinct; i++)
        {
            await recorder.RecordAsync(Job, EventTypes.Normal, "ChunkDone", $"chunk {i} of {Distinct} done");
        }

        // Every distinct event is either on the server or in a Warning log line with its message.
        var written = server.Requests.Select(r => JsonNode.Parse(r.Body)!["message"]!.GetValue<string>()).ToList();
        var warned = logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        written.Should().HaveCount(EventCorrelator.SpamBurst).And.OnlyHaveUniqueItems();
        warned.Should().HaveCount(Distinct - EventCorrelator.SpamBurst);
        for (var i = 0; i < Distinct; i++)
        {
            var message = $"chunk {i} of {Distinct} done";
            (written.Contains(message) || warned.Any(w => w.Contains(message) && w.Contains("ChunkDone"))).Should().BeTrue($"\"{message}\" must not vanish");
        }

        logs.Lines.Where(l => l.Level < LogLevel.Warning).Should().NotContain(l => l.Message.Contains("chunk "), "a drop is never logged below Warning");
    }
}
