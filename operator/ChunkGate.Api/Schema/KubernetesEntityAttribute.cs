namespace ChunkGate.Api.Schema;

/// <summary>Names a custom resource kind for CRD generation (group and version come from <see cref="ApiGroup"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KubernetesEntityAttribute(string kind, string plural) : Attribute
{
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public string Singular => Kind.ToLowerInvariant();
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public string Description { get; init; } = "";
}
