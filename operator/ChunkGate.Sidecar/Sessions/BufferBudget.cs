namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// The bytes all sessions of one process may hold at once to inspect or rewrite large messages
/// (<c>limits.maxBufferedBytes</c>). A session reserves before it buffers a message and releases
/// once the rewritten message has gone out, so parallel large rows cost a refused session, never
/// the process. Reserving is lock-free; only a session that must wait takes the lock.
/// </summary>
internal sealed class BufferBudget(long capacity, TimeProvider time)
{
    private readonly Lock gate = new();
    private long held;
    private TaskCompletionSource released = NewSignal();

    public long Capacity => capacity;

    /// <summary>Bytes reserved now, by every session together.</summary>
    public long Held => Interlocked.Read(ref held);

    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var current = Interlocked.Read(ref held);
        while (current + bytes <= capacity)
        {
            var seen = Interlocked.CompareExchange(ref held, current + bytes, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Reserves <paramref name="bytes"/>, waiting up to <paramref name="wait"/> for other sessions to release; false when there was no room in time.</summary>
    public async ValueTask<bool> ReserveAsync(long bytes, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        if (TryReserve(bytes))
        {
            return true;
        }

        if (bytes > capacity || wait <= TimeSpan.Zero)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        while (true)
        {
            Task signal;
            lock (gate)
            {
                signal = released.Task;
            }

            // Checked after taking the signal: a release between the two wakes this wait.
            if (TryReserve(bytes))
            {
                return true;
            }

            try
            {
                await signal.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return TryReserve(bytes);
            }
        }
    }

    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
        {
            return;
        }

        if (Interlocked.Add(ref held, -bytes) < 0)
        {
            throw new InvalidOperationException("more buffer budget released than reserved");
        }

        TaskCompletionSource wake;
        lock (gate)
        {
            wake = released;
            released = NewSignal();
        }

        wake.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
