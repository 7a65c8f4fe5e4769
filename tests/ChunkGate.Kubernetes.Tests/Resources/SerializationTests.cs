using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Tests.Resources;

/// <summary>Custom kinds go through the reflection fallback; they must serialize exactly like built-in ones.</summary>
public sealed class SerializationTests
{
    private enum Phase
    {
        Pending,
        AwaitingApproval,
    }

    private sealed class Widget : KubernetesObject
    {
        public WidgetSpec Spec { get; set; } = new();
    }

    private sealed class WidgetSpec
    {
        public Phase Phase { get; set; }

        public string? Optional { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }

        public int MaxRetries { get; set; }
    }

    [Test]
    public void CustomKind_IsCamelCase_EnumsAsStrings_NullsOmitted_TimesInRfc3339Seconds()
    {
        var widget = new Widget
        {
            ApiVersion = "chunkgate.io/v1alpha1",
            Kind = "Widget",
            Metadata = new ObjectMeta { Name = "w" },
            Spec = new WidgetSpec { Phase = Phase.AwaitingApproval, ExpiresAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), MaxRetries = 3 },
        };

        var json = KubernetesJson.Serialize(widget);

        json.Should().Be("""{"apiVersion":"chunkgate.io/v1alpha1","kind":"Widget","metadata":{"name":"w"},"spec":{"phase":"AwaitingApproval","expiresAt":"2026-01-02T01:04:05Z","maxRetries":3}}""");
        KubernetesJson.Deserialize<Widget>(json)!.Spec.Phase.Should().Be(Phase.AwaitingApproval);
    }

    [Test]
    public void Secret_DataIsBase64OnTheWire_AndToStringNeverShowsIt()
    {
        var secret = KubernetesJson.Deserialize<Secret>("""{"kind":"Secret","apiVersion":"v1","metadata":{"name":"creds","namespace":"n"},"type":"Opaque","data":{"password":"aHVudGVyMg=="}}""")!;

        System.Text.Encoding.UTF8.GetString(secret.Data!["password"]).Should().Be("hunter2");
        secret.ToString().Should().NotContain("hunter2").And.NotContain("aHVudGVyMg");
        KubernetesJson.Serialize(secret).Should().Contain("\"password\":\"aHVudGVyMg==\"");
    }

    [Test]
    public void Timestamps_WithOffsetsOrFractions_AreRead()
    {
        var pod = KubernetesJson.Deserialize<Pod>("""{"metadata":{"creationTimestamp":"2026-01-02T03:04:05+01:00"},"status":{"startTime":"2026-01-02T03:04:05.123Z"}}""")!;

        pod.Metadata.CreationTimestamp.Should().Be(new DateTimeOffset(2026, 1, 2, 2, 4, 5, TimeSpan.Zero));
        pod.Status!.StartTime!.Value.Millisecond.Should().Be(123);
    }
}
