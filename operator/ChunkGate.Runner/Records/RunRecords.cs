using System.Buffers;
using System.Text.Json;

namespace ChunkGate.Runner.Records;

/// <summary>
/// The records of the run contract, one per line: the ASCII record separator (0x1E), one compact
/// JSON object, a line feed (RFC 7464 style). The operator reads them from the container log. Each
/// record is written and flushed whole, after whatever rows preceded it were flushed.
/// </summary>
internal sealed class RunRecords(Stream output, string run, int shard)
{
    public const byte Separator = 0x1E;

    private readonly ArrayBufferWriter<byte> buffer = new(256);

    public void Plan(int shards, long chunksTotal, long chunksOwned) =>
        Write("plan", writer =>
        {
            writer.WriteNumber("shards", shards);
            writer.WriteNumber("chunksTotal", chunksTotal);
            writer.WriteNumber("chunksOwned", chunksOwned);
        });

    public void Chunk(long index, long from, long to, long rows, long bytes) =>
        Write("chunk", writer =>
        {
            writer.WriteNumber("index", index);
            writer.WriteNumber("from", from);
            writer.WriteNumber("to", to);
            writer.WriteNumber("rows", rows);
            writer.WriteNumber("bytes", bytes);
        });

    /// <summary>A chunk failed; <paramref name="chunk"/> is null when the plan's key-range query failed (no chunk yet).</summary>
    public void Failed((long Index, long From, long To)? chunk, string? sqlState, string message) =>
        Write("failed", writer =>
        {
            if (chunk is { } failed)
            {
                writer.WriteNumber("index", failed.Index);
                writer.WriteNumber("from", failed.From);
                writer.WriteNumber("to", failed.To);
            }

            writer.WriteString("sqlstate", sqlState);
            writer.WriteString("message", message);
        });

    public void Done(long chunks, long rows, long bytes) =>
        Write("done", writer =>
        {
            writer.WriteNumber("chunks", chunks);
            writer.WriteNumber("rows", rows);
            writer.WriteNumber("bytes", bytes);
        });

    private void Write(string kind, Action<Utf8JsonWriter> fields)
    {
        buffer.ResetWrittenCount();
        buffer.Write([Separator]);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("chunkgate", kind);
            writer.WriteString("run", run);
            writer.WriteNumber("shard", shard);
            fields(writer);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        output.Write(buffer.WrittenSpan);
        output.Flush();
    }
}
