using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 Lease.</summary>
public sealed class Lease : KubernetesObject
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public LeaseSpec Spec { get; set; } = new();
}

public sealed class LeaseSpec
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? HolderIdentity { get; set; }

    public int? LeaseDurationSeconds { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    public int? LeaseTransitions { get; set; }
}
