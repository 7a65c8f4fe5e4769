namespace ChunkGate.Testing.Waiting;

/// <summary>
/// Waits (in real time, briefly) for asynchronous work to catch up: continuations after a fake
/// clock moved, a file written by a background task, a server noticing something. Never used to
/// wait for a TTL: time-based behaviour is driven by fake clocks.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeout, TimeSpan.FromMilliseconds(5));

    /// <param name="interval">Between checks: longer for checks that read files or query a server.</param>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {because}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
