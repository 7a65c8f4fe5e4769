using System.Text.Json;
using System.Text.Json.Serialization;
namespace ChunkGate.Kubernetes.Models;

/// <summary>core/v1 Secret. <see cref="Data"/> is base64 on the wire; never log it.</summary>
public sealed class Secret : KubernetesObject
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Type { get; set; }

    public Dictionary<string, byte[]>? Data { get; set; }

    public Dictionary<string, string>? StringData { get; set; }

    public bool? Immutable { get; set; }

    public override string ToString() => $"Secret {Metadata.Namespace}/{Metadata.Name} ({Data?.Count ?? 0} keys)";
}
