using System.Buffers;

namespace ChunkGate.Runner.Output;

/// <summary>
/// Where formatted rows go: standard output (shared with the records) or the run's output file.
/// Rows are buffered in one pooled block and written when it fills, so a chunk is never held in
/// memory. <see cref="Commit"/> makes everything so far durable (flushed; for a file, also on
/// disk) and calls back when it is, the point a chunk record may follow; <see cref="Discard"/> cuts a
/// file back to the last commit after a failure, so the file holds exactly the chunks whose records
/// were printed.
/// </summary>
/// <remarks>
/// A file's fsync runs on another thread while the next chunk streams in: waited for in line, it
/// was a pause of about 5 ms per chunk with the database, the sidecar and the runner all idle (a
/// tenth of a 50,000-row chunk's time, measured). At most one is in flight; <see cref="WaitDurable"/>
/// waits for it, so whoever prints a record after a chunk's keeps their order.
/// </remarks>
internal sealed class RowSink : IDisposable
{
    private const int BlockSize = 64 * 1024;

    private readonly Stream stream;
    private readonly FileStream? file;
    private byte[] block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int used;
    private long committed;
    private Task syncing = Task.CompletedTask;

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

    /// <summary>
    /// Writes the buffered rows and makes them durable, then calls <paramref name="durable"/> with the
    /// bytes committed since the last commit: at once on standard output (flushed), after an fsync on
    /// another thread for a file (the previous commit's callback has run by then). Returns those bytes.
    /// </summary>
    public long Commit(Action<long> durable)
    {
        Drain();
        stream.Flush();
        var bytes = Pending;
        committed += bytes;
        Pending = 0;
        if (file is null)
        {
            durable(bytes);
            return bytes;
        }

        WaitDurable();
        var handle = file.SafeFileHandle;
        syncing = Task.Run(() =>
        {
            RandomAccess.FlushToDisk(handle);
            durable(bytes);
        });
        return bytes;
    }

    /// <summary>Waits until the last commit is durable and its callback has run; throws if the fsync failed (the callback then did not run).</summary>
    public void WaitDurable() => syncing.GetAwaiter().GetResult();

    /// <summary>Drops what was written since the last commit: cut from a file; from standard output only what is still buffered. The last commit stays (and is waited for).</summary>
    public void Discard()
    {
        WaitDurable();
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
        // A failed fsync only means its callback (a chunk record) never ran: nothing was claimed.
        Task.WhenAny(syncing).Wait();
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
