using System.Text.Json;

namespace ChunkGate.Operator.Progress;

/// <summary>
/// Reads one log line as a runner record, or ignores it. Pure and bounded: a line must start with
/// the record separator <c>\x1e</c>, be at most <see cref="MaxLineBytes"/>, hold one flat JSON
/// object (no nesting, no duplicate names: a duplicate <c>shard</c> must not let one reader see
/// another shard than the next), with the fields its kind needs, of the right types and ranges.
/// Anything else (row output, forged, oversized or malformed lines) is not a record; it never throws.
/// </summary>
public static class RunRecordParser
{
    public const byte RecordSeparator = 0x1E;
    public const int MaxLineBytes = 8192;
    public const int MaxMessageChars = 1024;
    private const int MaxRunIdChars = 16;

    public static bool TryParse(ReadOnlySpan<byte> line, out RunRecord? record)
    {
        record = null;
        if (line.Length is < 2 or > MaxLineBytes || line[0] != RecordSeparator)
        {
            return false;
        }

        if (line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        try
        {
            return TryRead(line[1..], out record);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8.
            record = null;
            return false;
        }
    }

    private static bool TryRead(ReadOnlySpan<byte> json, out RunRecord? record)
    {
        record = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2, CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? kind = null, run = null, sqlState = null, message = null;
        long? shard = null, shards = null, chunksTotal = null, index = null, from = null, to = null, rows = null, bytes = null, chunks = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!seen.Add(name) || !reader.Read())
            {
                return false;
            }

            switch (name)
            {
                case "chunkgate": if (!Text(ref reader, 16, out kind)) { return false; } break;
                case "run": if (!Text(ref reader, MaxRunIdChars, out run)) { return false; } break;
                case "sqlstate": if (!Text(ref reader, 5, out sqlState)) { return false; } break;
                case "message": if (!Text(ref reader, MaxLineBytes, out message)) { return false; } break;
                case "shard": if (!Number(ref reader, out shard)) { return false; } break;
                case "shards": if (!Number(ref reader, out shards)) { return false; } break;
                case "chunksTotal": if (!Number(ref reader, out chunksTotal)) { return false; } break;
                case "index": if (!Number(ref reader, out index)) { return false; } break;
                case "from": if (!Signed(ref reader, out from)) { return false; } break;
                case "to": if (!Signed(ref reader, out to)) { return false; } break;
                case "rows": if (!Number(ref reader, out rows)) { return false; } break;
                case "bytes": if (!Number(ref reader, out bytes)) { return false; } break;
                case "chunks": if (!Number(ref reader, out chunks)) { return false; } break;
                default:
                    // Unknown fields are allowed (a newer runner may add some), but only flat ones.
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        return false;
                    }

                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false;
        }

        if (run is null || shard is not { } s || s > int.MaxValue)
        {
            return false;
        }

        record = kind switch
        {
            "plan" when shards is { } n and >= 1 and <= 1024 && chunksTotal is { } total =>
                new RunRecord(RunRecordKind.Plan, run, (int)s, Shards: (int)n, ChunksTotal: total),
            "chunk" when index is { } i && from is { } f && to is { } t && rows is { } r && bytes is { } b && f < t =>
                new RunRecord(RunRecordKind.Chunk, run, (int)s, Index: i, From: f, To: t, Rows: r, Bytes: b),
            "failed" when index is { } i && from is { } f && to is { } t && f < t =>
                new RunRecord(RunRecordKind.Failed, run, (int)s, Index: i, From: f, To: t,
                    SqlState: sqlState is { Length: 5 } state && state.All(char.IsAsciiLetterOrDigit) ? state : null,
                    Message: Printable(message ?? "")),
            "done" when chunks is { } c && rows is { } r && bytes is { } b =>
                new RunRecord(RunRecordKind.Done, run, (int)s, Chunks: c, Rows: r, Bytes: b),
            _ => null,
        };
        return record is not null;
    }

    private static bool Text(ref Utf8JsonReader reader, int maxChars, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.GetString();
        return value is not null && value.Length <= maxChars;
    }

    /// <summary>A non-negative integer (counts, indices, shard numbers).</summary>
    private static bool Number(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number) || number < 0)
        {
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>A key bound, which may be negative.</summary>
    private static bool Signed(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    /// <summary>The message as one line of at most <see cref="MaxMessageChars"/>, control characters replaced (it goes into a condition and an Event).</summary>
    private static string Printable(string message)
    {
        var cut = message.Length > MaxMessageChars ? message[..MaxMessageChars] + "…" : message;
        return string.Create(cut.Length, cut, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });
    }
}
