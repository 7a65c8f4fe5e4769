using System.Text.Json;
using k8s;

namespace ChunkGate.Kubernetes.Json;

/// <summary>
/// The official client's serializer settings, copied once through its public hook
/// (<see cref="KubernetesJson.AddJsonOptions"/>), for decoding UTF-8 bytes directly: the watch
/// decoder and the cache's copies use it instead of k8s.KubernetesJson's string-based helpers.
/// </summary>
public static class KubernetesJsonOptions
{
    public static JsonSerializerOptions Default { get; } = Copy(microTime: false);

    /// <summary>For objects an informer keeps (its list and watch): equal short strings share one instance (<see cref="StringPool"/>).</summary>
    public static JsonSerializerOptions Cached { get; } = Copy(microTime: false, new InterningStringConverter(new StringPool(generationSize: 4096)));

    /// <summary>For bodies ChunkGate serializes itself (patches): times as MicroTime, as the client created by <see cref="Http.KubernetesClients"/> writes them.</summary>
    public static JsonSerializerOptions Write { get; } = Copy(microTime: true);

    private static JsonSerializerOptions Copy(bool microTime, InterningStringConverter? strings = null)
    {
        JsonSerializerOptions? copy = null;
        KubernetesJson.AddJsonOptions(official => copy = new JsonSerializerOptions(official));
        if (microTime)
        {
            copy!.Converters.Insert(0, new MicroTimeConverter());
        }

        if (strings is not null)
        {
            copy!.Converters.Insert(0, strings);
        }

        copy!.MakeReadOnly(populateMissingResolver: true);
        return copy;
    }
}
