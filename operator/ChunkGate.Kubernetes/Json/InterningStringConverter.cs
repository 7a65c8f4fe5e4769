using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Json;

/// <summary>
/// Reads strings (values and dictionary keys) of up to <see cref="MaxLength"/> UTF-8 bytes through a
/// <see cref="StringPool"/>, decoded on the stack: a string seen before costs no allocation. Longer
/// strings (queries, messages) are rarely repeated and are read as usual. Writes as usual.
/// </summary>
internal sealed class InterningStringConverter(StringPool pool) : JsonConverter<string>
{
    public const int MaxLength = 128;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Intern(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Intern(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private string Intern(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || length > MaxLength)
        {
            return reader.GetString()!; // throws for a token that is not a string, as the built-in converter does
        }

        // One UTF-8 byte or escape sequence gives at most one UTF-16 char, so MaxLength chars are enough.
        Span<char> chars = stackalloc char[MaxLength];
        var written = reader.CopyString(chars);
        return pool.Intern(chars[..written]);
    }
}
