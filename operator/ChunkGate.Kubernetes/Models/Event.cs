using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Models;

/// <summary>core/v1 Event (what <c>kubectl describe</c> shows under Events).</summary>
public sealed class Event : KubernetesObject
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public ObjectReference InvolvedObject { get; set; } = new();

    public string? Reason { get; set; }

    public string? Message { get; set; }

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }

    public int? Count { get; set; }

    public DateTimeOffset? FirstTimestamp { get; set; }

    public DateTimeOffset? LastTimestamp { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    public EventSource? Source { get; set; }

    public string? ReportingComponent { get; set; }

    public string? ReportingInstance { get; set; }

    public string? Action { get; set; }
}

public sealed class EventSource
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Component { get; set; }

    public string? Host { get; set; }
}
