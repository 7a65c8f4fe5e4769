namespace ChunkGate.Kubernetes.Tests.Support;

/// <summary>
/// Waits (in real time, briefly) for asynchronous continuations to catch up with a fake clock or a
/// server. Never used to wait for a TTL: time-based behaviour is driven by <see cref="FakeTimeProvider"/>.
/// </summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {because}");
            }

            await Task.Delay(5);
        }
    }
}
