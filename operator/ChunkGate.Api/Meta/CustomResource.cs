using System.ComponentModel;
using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Api.Meta;

/// <summary>A ChunkGate custom resource: type and object meta from the client library, plus spec and status.</summary>
public abstract class CustomResource<TSpec, TStatus> : KubernetesObject
    where TSpec : new()
    where TStatus : class
{
    protected CustomResource(string kind)
    {
        ApiVersion = ApiGroup.ApiVersion;
        Kind = kind;
    }

    [Schema.Required]
    public TSpec Spec { get; set; } = new();

    [Description("Observed state, written only by the ChunkGate operator through the status subresource.")]
    public TStatus? Status { get; set; }
}
