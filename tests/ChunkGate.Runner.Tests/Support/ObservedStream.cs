using System.Text;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>Standard output for a runner run in this process: keeps what was written and says when a text first appears in it.</summary>
internal sealed class ObservedStream(string awaited) : Stream
{
    private readonly MemoryStream written = new();
    private readonly TaskCompletionSource seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => seen.Task;

    public byte[] Written
    {
        get
        {
            lock (written)
            {
                return written.ToArray();
            }
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (written)
        {
            written.Write(buffer);
            if (Encoding.UTF8.GetString(written.GetBuffer(), 0, (int)written.Length).Contains(awaited, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
