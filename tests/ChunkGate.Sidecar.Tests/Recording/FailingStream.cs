namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>A stream whose writes fail like a full disk.</summary>
internal sealed class FailingStream : MemoryStream
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromException(new IOException("No space left on device"));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromException(new IOException("No space left on device"));
}
