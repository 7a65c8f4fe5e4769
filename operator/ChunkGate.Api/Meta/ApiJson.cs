using System.Text.Json;
using k8s;

namespace ChunkGate.Api.Meta;

/// <summary>
/// The official client's serializer settings (camelCase, nulls omitted, enums as strings, its
/// RFC 3339 time converters), copied once through its public hook, for the calls that need an
/// options object rather than <c>k8s.KubernetesJson</c>'s helpers (a runtime type, UTF-8 bytes).
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Copy();

    private static JsonSerializerOptions Copy()
    {
        JsonSerializerOptions? copy = null;
        KubernetesJson.AddJsonOptions(official => copy = new JsonSerializerOptions(official));
        copy!.MakeReadOnly(populateMissingResolver: true);
        return copy;
    }
}
