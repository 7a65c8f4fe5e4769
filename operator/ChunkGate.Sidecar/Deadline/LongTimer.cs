namespace ChunkGate.Sidecar.Deadline;

/// <summary>
/// A one-shot timer for a moment any distance ahead. A timer takes a due time of at most about 49
/// days, and the sidecar on its own accepts any <c>expiresAt</c> (one a year away made it crash at
/// start-up), so the wait is taken in legs of at most <see cref="Leg"/>, each reading the clock again.
/// </summary>
internal sealed class LongTimer : IDisposable
{
    public static readonly TimeSpan Leg = TimeSpan.FromDays(30);

    private readonly TimeProvider time;
    private readonly DateTimeOffset at;
    private readonly Action action;
    private readonly Lock gate = new();
    private ITimer? current;
    private bool disposed;

    public LongTimer(TimeProvider time, DateTimeOffset at, Action action)
    {
        this.time = time;
        this.at = at;
        this.action = action;
        Arm();
    }

    /// <summary>How long the next leg waits: never negative, never longer than <see cref="Leg"/>.</summary>
    public static TimeSpan NextLeg(DateTimeOffset at, DateTimeOffset now)
    {
        var left = at - now;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left > Leg ? Leg : left;
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            current?.Dispose();
            current = null;
        }
    }

    private void Arm()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            current?.Dispose();
            current = time.CreateTimer(_ => Fire(), null, NextLeg(at, time.GetUtcNow()), Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        if (time.GetUtcNow() < at)
        {
            Arm();
            return;
        }

        lock (gate)
        {
            if (disposed)
            {
                return;
            }
        }

        action();
    }
}
