using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Models;

/// <summary>The part every Kubernetes object shares: type meta and object meta.</summary>
public interface IKubernetesObject
{
    string? ApiVersion { get; set; }

    string? Kind { get; set; }

    ObjectMeta Metadata { get; set; }
}

/// <summary>Base for typed kinds, built-in or custom (a custom kind adds <c>Spec</c>/<c>Status</c>).</summary>
public abstract class KubernetesObject : IKubernetesObject
{
    // Written first, as the API server and kubectl do.
    [JsonPropertyOrder(-3)]
    public string? ApiVersion { get; set; }

    [JsonPropertyOrder(-2)]
    public string? Kind { get; set; }

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();
}

/// <summary>
/// Any kind without a C# type: every field other than type and object meta is kept as raw JSON and
/// written back unchanged, so an untyped client can round-trip objects it does not understand.
/// </summary>
public sealed class GenericObject : KubernetesObject
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Fields { get; set; } = new(StringComparer.Ordinal);
}
