using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;

namespace ChunkGate.Kubernetes.Json;

/// <summary>
/// Writes every timestamp with exactly six fractional digits. The official client writes a time that
/// falls on a whole second without any fraction, but a real API server parses metav1.MicroTime
/// (Lease renewTime/acquireTime, Event eventTime) with a fixed six-digit layout and rejects that;
/// metav1.Time fields accept a fraction, so one format serves both. Reading is the official client's.
/// </summary>
public sealed class MicroTimeConverter : JsonConverter<DateTime>
{
    private static readonly KubernetesJson.KubernetesDateTimeConverter Official = new();

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Official.Read(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture));
}
