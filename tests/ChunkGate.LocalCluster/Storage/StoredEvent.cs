using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Storage;

internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// One change in the store's history. <see cref="Object"/> and <see cref="Previous"/> are frozen
/// snapshots shared by every watcher, so they must never be mutated.
/// </summary>
internal sealed class StoredEvent(long revision, WatchEventType type, string storageKey, JsonObject obj, JsonObject? previous)
{
    private byte[]? encodedLine;

    public long Revision { get; } = revision;

    public WatchEventType Type { get; } = type;

    public string StorageKey { get; } = storageKey;

    public JsonObject Object { get; } = obj;

    public JsonObject? Previous { get; } = previous;

    public string Namespace => ObjectFields.Namespace(Object);

    public static string TypeName(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    /// <summary>The watch line for the stored apiVersion, encoded once however many watchers receive it.</summary>
    public byte[] EncodedLine()
    {
        var line = encodedLine;
        if (line is not null)
        {
            return line;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeName(Type));
            writer.WritePropertyName("object");
            Object.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        line = buffer.ToArray();
        encodedLine = line;
        return line;
    }
}
