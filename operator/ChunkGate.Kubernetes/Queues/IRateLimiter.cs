namespace ChunkGate.Kubernetes.Queues;

/// <summary>Decides how long an item waits before it is retried.</summary>
public interface IRateLimiter<in T>
{
    /// <summary>The wait for this retry; counts it as a failure.</summary>
    TimeSpan When(T item);

    /// <summary>The item succeeded: forget its failures.</summary>
    void Forget(T item);

    int NumRequeues(T item);
}

/// <summary>Per-item exponential backoff: base × 2^failures, capped (client-go: 5 ms to 1000 s).</summary>
public sealed class ItemExponentialBackoffRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<T>
    where T : notnull
{
    private readonly Lock gate = new();
    private readonly Dictionary<T, int> failures = [];

    public TimeSpan When(T item)
    {
        lock (gate)
        {
            var exponent = failures.GetValueOrDefault(item);
            failures[item] = exponent + 1;
            var delay = baseDelay.TotalMilliseconds * Math.Pow(2, exponent);
            return delay >= maxDelay.TotalMilliseconds ? maxDelay : TimeSpan.FromMilliseconds(delay);
        }
    }

    public void Forget(T item)
    {
        lock (gate)
        {
            failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(item);
        }
    }
}

/// <summary>
/// Overall token bucket across all items (client-go: 10 per second, burst 100): each retry reserves
/// a token, and waits until that token would have been refilled.
/// </summary>
public sealed class TokenBucketRateLimiter<T>(double tokensPerSecond, int burst, TimeProvider timeProvider) : IRateLimiter<T>
{
    private readonly Lock gate = new();
    private double tokens = burst;
    private DateTimeOffset last = timeProvider.GetUtcNow();

    public TimeSpan When(T item)
    {
        lock (gate)
        {
            var now = timeProvider.GetUtcNow();
            tokens = Math.Min(burst, tokens + ((now - last).TotalSeconds * tokensPerSecond));
            last = now;
            tokens -= 1;
            return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-tokens / tokensPerSecond);
        }
    }

    public void Forget(T item)
    {
    }

    public int NumRequeues(T item) => 0;
}

/// <summary>The longest wait any of the limiters asks for.</summary>
public sealed class MaxOfRateLimiter<T>(params IRateLimiter<T>[] limiters) : IRateLimiter<T>
{
    public TimeSpan When(T item) => limiters.Select(limiter => limiter.When(item)).Max();

    public void Forget(T item)
    {
        foreach (var limiter in limiters)
        {
            limiter.Forget(item);
        }
    }

    public int NumRequeues(T item) => limiters.Max(limiter => limiter.NumRequeues(item));
}

public static class RateLimiters
{
    /// <summary>client-go's default controller limiter: max of per-item 5 ms…1000 s backoff and a 10/s, burst-100 bucket.</summary>
    public static IRateLimiter<T> DefaultController<T>(TimeProvider timeProvider)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ItemExponentialBackoffRateLimiter<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<T>(10, 100, timeProvider));
}
