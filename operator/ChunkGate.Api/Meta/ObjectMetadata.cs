namespace ChunkGate.Api.Meta;

/// <summary>The subset of Kubernetes <c>ObjectMeta</c> the API types and validators use.</summary>
public sealed class ObjectMetadata
{
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<string>? Finalizers { get; set; }
}
