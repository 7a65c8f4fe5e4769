using ChunkGate.Testing.Waiting;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>A clock tests move by hand; timers fire synchronously inside <see cref="Advance"/>.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> timers = [];
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (timers)
        {
            return now;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (timers)
        {
            now += by;
            due = timers.Where(timer => timer.DueAt <= now).ToList();
            timers.RemoveAll(due.Contains);
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> timers are armed. Advancing before the code
    /// under test has armed its timer would lose the jump: the timer's relative due time is
    /// turned into an absolute one against the already advanced clock.
    /// </summary>
    public Task WaitForTimersAsync(int count = 1) => Eventually.TrueAsync(
        () =>
        {
            lock (timers)
            {
                return timers.Count >= count;
            }
        },
        $"{count} timer(s) are armed");

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime)
    {
        lock (timers)
        {
            timers.Remove(timer);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                timer.DueAt = now + dueTime;
                timers.Add(timer);
            }
        }

        if (dueTime == TimeSpan.Zero)
        {
            Advance(TimeSpan.Zero);
        }
    }

    private void Unschedule(ManualTimer timer)
    {
        lock (timers)
        {
            timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Schedule(this, dueTime);
            return true;
        }

        public void Dispose() => owner.Unschedule(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
