namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// When to repeat a request. A 429 is repeated for any verb (the server did not act on it) after the
/// server's Retry-After; a transport failure or a 5xx with Retry-After only for reads.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts = 5, TimeSpan? MaxRetryAfter = null, TimeSpan? TransportBackoff = null)
{
    public static RetryPolicy Default { get; } = new();

    public static RetryPolicy None { get; } = new(MaxAttempts: 1);

    internal TimeSpan RetryAfterCap => MaxRetryAfter ?? TimeSpan.FromSeconds(30);

    internal TimeSpan TransportDelay(int attempt) =>
        TimeSpan.FromMilliseconds((TransportBackoff ?? TimeSpan.FromMilliseconds(200)).TotalMilliseconds * Math.Pow(2, attempt - 1));

    internal TimeSpan RetryAfterDelay(TimeSpan? serverAsked) =>
        serverAsked is { } wait ? (wait > RetryAfterCap ? RetryAfterCap : wait) : TimeSpan.FromSeconds(1);
}
