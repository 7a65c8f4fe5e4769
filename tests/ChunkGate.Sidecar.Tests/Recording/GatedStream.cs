namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>A memory stream whose writes wait until the test opens the gate: a disk that stalls.</summary>
internal sealed class GatedStream : MemoryStream
{
    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => gate.TrySetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await gate.Task.WaitAsync(cancellationToken);
        await base.WriteAsync(buffer, cancellationToken);
    }

    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        await gate.Task.WaitAsync(cancellationToken);
        await base.WriteAsync(buffer, offset, count, cancellationToken);
    }
}
