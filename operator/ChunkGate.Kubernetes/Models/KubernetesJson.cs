using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ChunkGate.Kubernetes.Configuration;

namespace ChunkGate.Kubernetes.Models;

/// <summary>
/// The one serializer configuration for the API: camelCase, nulls omitted, enums as strings,
/// metav1.Time in whole seconds. Known kinds use the source-generated metadata; any other type
/// (a custom kind) falls back to reflection with the same settings.
/// </summary>
public static class KubernetesJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(KubernetesJsonContext.Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(KubernetesJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        };

        // The generator's UseStringEnumConverter covers only its own types; custom kinds need it here.
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize<T>(utf8, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesTimeConverter)])]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(GenericObject))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(DeleteOptions))]
[JsonSerializable(typeof(KubernetesList<Pod>))]
[JsonSerializable(typeof(KubernetesList<Secret>))]
[JsonSerializable(typeof(KubernetesList<Event>))]
[JsonSerializable(typeof(KubernetesList<Lease>))]
[JsonSerializable(typeof(KubernetesList<GenericObject>))]
[JsonSerializable(typeof(ExecCredentialDocument))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
