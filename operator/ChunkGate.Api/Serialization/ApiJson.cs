using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Api.Serialization;

/// <summary>The one set of JSON options for ChunkGate resources: camelCase, nulls omitted, enums as their wire names.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
