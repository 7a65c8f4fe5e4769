using System.ComponentModel;

namespace ChunkGate.Api.Meta;

/// <summary>A ChunkGate custom resource: <c>apiVersion</c>, <c>kind</c>, metadata, spec and status.</summary>
public abstract class CustomResource<TSpec, TStatus>
    where TSpec : new()
    where TStatus : class
{
    protected CustomResource(string kind)
    {
        Kind = kind;
    }

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    public string Kind { get; set; }

    public ObjectMetadata Metadata { get; set; } = new();

    [Schema.Required]
    public TSpec Spec { get; set; } = new();

    [Description("Observed state, written only by the ChunkGate operator through the status subresource.")]
    public TStatus? Status { get; set; }
}
