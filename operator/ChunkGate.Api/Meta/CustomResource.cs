using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace ChunkGate.Api.Meta;

/// <summary>
/// A ChunkGate custom resource: an object of the official client (<see cref="IKubernetesObject{V1ObjectMeta}"/>)
/// with spec and status. Serialised with the client's JSON settings (<c>k8s.KubernetesJson</c>).
/// </summary>
public abstract class CustomResource<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>, ICloneable
    where TSpec : ResourceSpec, new()
    where TStatus : class
{
    protected CustomResource(string kind)
    {
        ApiVersion = ApiGroup.ApiVersion;
        Kind = kind;
    }

    // Type meta first, as the API server and kubectl write it.
    [JsonPropertyName("apiVersion"), JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; }

    [JsonPropertyName("kind"), JsonPropertyOrder(-2)]
    public string Kind { get; set; }

    [JsonPropertyName("metadata"), JsonPropertyOrder(-1)]
    public V1ObjectMeta Metadata { get; set; } = new();

    [Schema.Required, JsonPropertyName("spec"), JsonConverter(typeof(StoredSpecConverterFactory))]
    public TSpec Spec { get; set; } = new();

    [JsonPropertyName("status"), Description("Observed state, written only by the ChunkGate operator through the status subresource.")]
    public TStatus? Status { get; set; }

    /// <summary>
    /// The <c>spec</c> JSON exactly as it was read (from the API server, an admission review, a
    /// manifest); null for an object built in code. The spec hash is computed from this, never from
    /// a re-serialisation of <see cref="Spec"/>. Edits of <see cref="Spec"/> do not change it.
    /// </summary>
    [JsonIgnore]
    public JsonElement? StoredSpec => StoredSpecJson is { } json ? JsonElement.Parse(json) : null;

    /// <summary>The UTF-8 bytes of <see cref="StoredSpec"/>, without parsing them.</summary>
    internal byte[]? StoredSpecJson => Spec?.StoredJson;

    /// <summary>A deep copy that keeps <see cref="StoredSpec"/> (a JSON round trip alone would not).</summary>
    public object Clone()
    {
        var copy = (CustomResource<TSpec, TStatus>)MemberwiseClone();
        copy.Metadata = Copy(Metadata);
        copy.Spec = Copy(Spec);
        copy.Spec.StoredJson = StoredSpecJson;
        copy.Status = Status is null ? null : Copy(Status);

        return copy;
    }

    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value!));
}
