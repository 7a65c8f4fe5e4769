using System.Text.Json;
using ChunkGate.Kubernetes.Json;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Watching;

/// <summary>
/// Decodes one watch line, <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{…}}</c>.
/// Finds the type without allocating a string and deserializes only the object's bytes; a bad line
/// yields a problem description instead of an exception.
/// </summary>
internal static class WatchEventParser
{
    public static bool TryParse<T>(ReadOnlySpan<byte> line, out WatchEvent<T> watchEvent, out string? problem)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        watchEvent = default;
        WatchEventType? type = null;
        var objectStart = -1;
        var objectLength = 0;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = ParseType(ref reader);
                    if (type is null)
                    {
                        problem = "unknown event type";
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("object"u8))
                {
                    reader.Read();
                    objectStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    objectLength = (int)reader.BytesConsumed - objectStart;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            problem = $"malformed JSON at byte {ex.BytePositionInLine}";
            return false;
        }

        if (type is not { } eventType)
        {
            problem = "missing \"type\"";
            return false;
        }

        if (objectStart < 0)
        {
            problem = "missing \"object\"";
            return false;
        }

        var objectBytes = line.Slice(objectStart, objectLength);
        try
        {
            if (eventType == WatchEventType.Error)
            {
                watchEvent = new WatchEvent<T>(eventType, null, JsonSerializer.Deserialize<V1Status>(objectBytes, KubernetesJsonOptions.Default));
            }
            else
            {
                var obj = JsonSerializer.Deserialize<T>(objectBytes, KubernetesJsonOptions.Cached);
                if (obj is null)
                {
                    problem = "\"object\" is null";
                    return false;
                }

                watchEvent = new WatchEvent<T>(eventType, obj, null);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            problem = $"object does not match {typeof(T).Name}: {(ex as JsonException)?.Path ?? ex.Message}";
            return false;
        }

        problem = null;
        return true;
    }

    private static WatchEventType? ParseType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (reader.ValueTextEquals("ADDED"u8))
        {
            return WatchEventType.Added;
        }

        if (reader.ValueTextEquals("MODIFIED"u8))
        {
            return WatchEventType.Modified;
        }

        if (reader.ValueTextEquals("DELETED"u8))
        {
            return WatchEventType.Deleted;
        }

        if (reader.ValueTextEquals("BOOKMARK"u8))
        {
            return WatchEventType.Bookmark;
        }

        return reader.ValueTextEquals("ERROR"u8) ? WatchEventType.Error : null;
    }
}
