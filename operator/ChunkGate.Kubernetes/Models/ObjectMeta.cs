using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Models;

public sealed class ObjectMeta
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Name { get; set; }

    public string? GenerateName { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public long? Generation { get; set; }

    public DateTimeOffset? CreationTimestamp { get; set; }

    public DateTimeOffset? DeletionTimestamp { get; set; }

    public long? DeletionGracePeriodSeconds { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }

    public List<OwnerReference>? OwnerReferences { get; set; }

    public List<string>? Finalizers { get; set; }

    /// <summary>Kept opaque: the server owns its shape; clients only carry it along.</summary>
    public List<JsonElement>? ManagedFields { get; set; }
}

public sealed class OwnerReference
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uid { get; set; } = "";

    public bool? Controller { get; set; }

    public bool? BlockOwnerDeletion { get; set; }
}

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }
}

/// <summary>core/v1 ObjectReference, as used by Events.</summary>
public sealed class ObjectReference
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public string? FieldPath { get; set; }

    public static ObjectReference For(IKubernetesObject obj) => new()
    {
        ApiVersion = obj.ApiVersion,
        Kind = obj.Kind,
        Namespace = obj.Metadata.Namespace,
        Name = obj.Metadata.Name,
        Uid = obj.Metadata.Uid,
        ResourceVersion = obj.Metadata.ResourceVersion,
    };
}
