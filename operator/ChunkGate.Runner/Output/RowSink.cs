using System.Buffers;

namespace ChunkGate.Runner.Output;

/// <summary>
/// Where formatted rows go: standard output (shared with the records) or the run's output file.
/// Rows are buffered in one pooled block and written when it fills, so a chunk is never held in
/// memory. <see cref="Commit"/> makes everything so far durable (flushed; for a file, also on
/// disk) and is the point a chunk record may follow; <see cref="Discard"/> cuts a file back to
/// that point after a failure, so the file holds exactly the chunks whose records were printed.
/// </summary>
internal sealed class RowSink : IDisposable
{
    private const int BlockSize = 64 * 1024;

    private readonly Stream stream;
    private readonly FileStream? file;
    private byte[] block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int used;
    private long committed;

    private RowSink(Stream stream, FileStream? file)
    {
        this.stream = stream;
        this.file = file;
    }

    /// <summary>Bytes written since the last commit.</summary>
    public long Pending { get; private set; }

    /// <summary>Rows to standard output, in the same stream as the records.</summary>
    public static RowSink ToStandardOutput(Stream standardOutput) => new(standardOutput, null);

    /// <summary>Rows to a new file (an existing one is replaced: a run's file belongs to that run alone).</summary>
    public static RowSink ToFile(string path)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        return new RowSink(file, file);
    }

    /// <summary>Room for at least <paramref name="size"/> bytes; write them, then <see cref="Advance"/>.</summary>
    public Span<byte> Reserve(int size)
    {
        if (block.Length - used < size)
        {
            Drain();
            if (block.Length < size)
            {
                ArrayPool<byte>.Shared.Return(block);
                block = ArrayPool<byte>.Shared.Rent(size);
            }
        }

        return block.AsSpan(used);
    }

    public void Advance(int count)
    {
        used += count;
        Pending += count;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > BlockSize)
        {
            Drain();
            stream.Write(bytes);
            Pending += bytes.Length;
            return;
        }

        bytes.CopyTo(Reserve(bytes.Length));
        Advance(bytes.Length);
    }

    /// <summary>Writes the buffered rows and makes them durable; returns the bytes committed since the last commit.</summary>
    public long Commit()
    {
        Drain();
        stream.Flush();
        file?.Flush(flushToDisk: true);
        var bytes = Pending;
        committed += bytes;
        Pending = 0;
        return bytes;
    }

    /// <summary>Drops what was written since the last commit: cut from a file; from standard output only what is still buffered.</summary>
    public void Discard()
    {
        used = 0;
        Pending = 0;
        if (file is not null)
        {
            file.SetLength(committed);
            file.Position = committed;
        }
    }

    public void Dispose()
    {
        file?.Dispose();

        ArrayPool<byte>.Shared.Return(block);
    }

    private void Drain()
    {
        if (used > 0)
        {
            stream.Write(block.AsSpan(0, used));
            used = 0;
        }
    }
}
