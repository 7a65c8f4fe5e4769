using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Api.Meta;

/// <summary>
/// Base of every custom resource's spec type: keeps the <c>spec</c> JSON the instance was read from
/// (<see cref="CustomResource{TSpec,TStatus}.StoredSpec"/>). The instance holds it, so it lives exactly
/// as long as the spec, and a spec built or replaced in code has none. The bytes are an internal
/// property: neither the serializer nor the CRD schema sees them.
/// </summary>
public abstract class ResourceSpec
{
    /// <summary>
    /// The UTF-8 bytes only, shared by copies (never changed). A parsed document per cached object
    /// also kept its token table, and the ConditionalWeakTable that held them before kept dead
    /// entries' tables alive across collections: about 1.4 KB per cached ChunkJob in all.
    /// </summary>
    internal byte[]? StoredJson { get; set; }
}

/// <summary>Reads a spec and remembers its JSON (<see cref="ResourceSpec"/>); writes the typed spec as usual.</summary>
internal sealed class StoredSpecConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsSubclassOf(typeof(ResourceSpec));

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StoredSpecConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class StoredSpecConverter<TSpec> : JsonConverter<TSpec>
        where TSpec : ResourceSpec
    {
        public override TSpec? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var spec = document.RootElement.Deserialize<TSpec>(options);
            if (spec is not null)
            {
                spec.StoredJson = JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray();
            }

            return spec;
        }

        // A property-level converter is not in options.Converters, so this does not recurse.
        public override void Write(Utf8JsonWriter writer, TSpec value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options);
    }
}
