namespace ChunkGate.Kubernetes.Queues;

/// <summary>
/// The controller work queue (client-go semantics). An item added many times before a worker takes
/// it is processed once; an item is never handed to two workers at once: added while in process, it
/// is queued again only when <see cref="Done"/> is called. <see cref="AddAfter"/> schedules a deadline
/// on the injected clock; <see cref="AddRateLimited"/> backs off per item and overall.
/// </summary>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock gate = new();
    private readonly Queue<T> queue = new();
    private readonly HashSet<T> dirty = [];
    private readonly HashSet<T> processing = [];
    private readonly Dictionary<T, DateTimeOffset> waiting = [];
    private readonly PriorityQueue<T, DateTimeOffset> waitingByTime = new();
    private readonly SemaphoreSlim available = new(0);
    private readonly TimeProvider timeProvider;
    private readonly IRateLimiter<T> rateLimiter;
    private readonly ITimer timer;
    private TaskCompletionSource? drained;
    private bool shuttingDown;

    public WorkQueue(IRateLimiter<T>? rateLimiter = null, TimeProvider? timeProvider = null)
    {
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.rateLimiter = rateLimiter ?? RateLimiters.DefaultController<T>(this.timeProvider);
        timer = this.timeProvider.CreateTimer(_ => ReleaseDueItems(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items ready for a worker (not counting those in process or waiting for a deadline).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (gate)
            {
                return shuttingDown;
            }
        }
    }

    public void Add(T item)
    {
        lock (gate)
        {
            AddLocked(item);
        }
    }

    /// <summary>Adds the item once <paramref name="delay"/> has passed; an earlier pending deadline for it wins.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (gate)
        {
            if (shuttingDown)
            {
                return;
            }

            var readyAt = timeProvider.GetUtcNow() + delay;
            if (waiting.TryGetValue(item, out var existing) && existing <= readyAt)
            {
                return;
            }

            waiting[item] = readyAt;
            waitingByTime.Enqueue(item, readyAt);
            ArmTimerLocked();
        }
    }

    public void AddRateLimited(T item) => AddAfter(item, rateLimiter.When(item));

    /// <summary>The item was processed successfully: reset its backoff.</summary>
    public void Forget(T item) => rateLimiter.Forget(item);

    public int NumRequeues(T item) => rateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for the next item and marks it in process; call <see cref="Done"/> when finished.
    /// Returns <c>(default, false)</c> once the queue is shut down and empty.
    /// </summary>
    public async Task<(T Item, bool Ok)> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (gate)
            {
                if (queue.TryDequeue(out var item))
                {
                    processing.Add(item);
                    dirty.Remove(item);
                    return (item, true);
                }

                if (shuttingDown)
                {
                    // Pass the wake-up on so every waiting worker learns of the shutdown.
                    available.Release();
                    return (default!, false);
                }
            }
        }
    }

    public void Done(T item)
    {
        lock (gate)
        {
            processing.Remove(item);
            if (dirty.Contains(item))
            {
                queue.Enqueue(item);
                available.Release();
            }
            else if (processing.Count == 0)
            {
                drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops accepting items; workers finish what is queued, then <see cref="GetAsync"/> reports shutdown.</summary>
    public void ShutDown()
    {
        lock (gate)
        {
            if (shuttingDown)
            {
                return;
            }

            shuttingDown = true;
            waiting.Clear();
            waitingByTime.Clear();
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            available.Release();
        }
    }

    /// <summary>Shuts down and waits until no item is in process.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        ShutDown();
        lock (gate)
        {
            if (processing.Count == 0)
            {
                return Task.CompletedTask;
            }

            drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return drained.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        ShutDown();
        timer.Dispose();
    }

    private void AddLocked(T item)
    {
        if (shuttingDown || !dirty.Add(item))
        {
            return;
        }

        if (processing.Contains(item))
        {
            return;
        }

        queue.Enqueue(item);
        available.Release();
    }

    private void ReleaseDueItems()
    {
        lock (gate)
        {
            var now = timeProvider.GetUtcNow();
            while (waitingByTime.TryPeek(out var item, out var readyAt) && readyAt <= now)
            {
                waitingByTime.Dequeue();
                // Skip stale heap entries superseded by an earlier deadline for the same item.
                if (waiting.TryGetValue(item, out var current) && current == readyAt)
                {
                    waiting.Remove(item);
                    AddLocked(item);
                }
            }

            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        if (shuttingDown)
        {
            return;
        }

        if (waitingByTime.TryPeek(out _, out var next))
        {
            var due = next - timeProvider.GetUtcNow();
            timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
