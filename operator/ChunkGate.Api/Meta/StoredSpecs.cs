using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Api.Meta;

/// <summary>
/// Keeps the <c>spec</c> JSON each typed spec was read from, keyed by the spec instance (weakly, so
/// it lives exactly as long as the object). This is how <see cref="CustomResource{TSpec,TStatus}.StoredSpec"/>
/// knows the bytes the API server stored without adding a property the CRD schema would see.
/// </summary>
internal static class StoredSpecs
{
    private static readonly ConditionalWeakTable<object, StrongBox<JsonElement>> Table = [];

    public static JsonElement? Of(object spec) => Table.TryGetValue(spec, out var box) ? box.Value : null;

    public static void Attach(object spec, JsonElement stored) => Table.AddOrUpdate(spec, new StrongBox<JsonElement>(stored));
}

/// <summary>Reads a spec and remembers its JSON (<see cref="StoredSpecs"/>); writes the typed spec as usual.</summary>
internal sealed class StoredSpecConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsClass;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StoredSpecConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class StoredSpecConverter<TSpec> : JsonConverter<TSpec>
        where TSpec : class
    {
        public override TSpec? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            // ParseValue copies the value out of the reader's buffer, so the element outlives it.
            var stored = JsonElement.ParseValue(ref reader);
            var spec = stored.Deserialize<TSpec>(options);
            if (spec is not null)
            {
                StoredSpecs.Attach(spec, stored);
            }

            return spec;
        }

        // A property-level converter is not in options.Converters, so this does not recurse.
        public override void Write(Utf8JsonWriter writer, TSpec value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options);
    }
}
