using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubernetes.Tests.Queues;

public sealed class WorkQueueTests
{
    private static WorkQueue<string> Queue(FakeTimeProvider clock, IRateLimiter<string>? limiter = null) =>
        new(limiter ?? new ItemExponentialBackoffRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)), clock);

    [Test]
    public async Task Add_SameKeyManyTimes_IsProcessedOnce()
    {
        using var queue = Queue(new FakeTimeProvider());

        queue.Add("ns/a");
        queue.Add("ns/a");
        queue.Add("ns/b");
        queue.Add("ns/a");

        queue.Count.Should().Be(2);
        (await queue.GetAsync()).Item.Should().Be("ns/a");
        (await queue.GetAsync()).Item.Should().Be("ns/b");
        queue.Count.Should().Be(0);
    }

    [Test]
    public async Task Add_WhileProcessing_WaitsForDoneThenRequeuesOnce()
    {
        using var queue = Queue(new FakeTimeProvider());
        queue.Add("a");
        var (item, _) = await queue.GetAsync();

        queue.Add("a");
        queue.Add("a");

        queue.Count.Should().Be(0, "a key in process is not handed to a second worker");
        queue.Done(item);
        queue.Count.Should().Be(1);
        (await queue.GetAsync()).Item.Should().Be("a");
    }

    [Test]
    public async Task ConcurrentWorkers_NeverProcessOneKeyTwiceAtOnce()
    {
        using var queue = new WorkQueue<string>(new ItemExponentialBackoffRateLimiter<string>(TimeSpan.Zero, TimeSpan.Zero));
        var inFlight = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var processed = 0;

        async Task WorkerAsync()
        {
            while (true)
            {
                var (key, ok) = await queue.GetAsync();
                if (!ok)
                {
                    return;
                }

                if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(WorkerAsync)).ToArray();
        for (var i = 0; i < 2000; i++)
        {
            queue.Add($"key-{i % 5}");
            if (i % 50 == 0)
            {
                await Task.Yield();
            }
        }

        await Eventually.TrueAsync(() => queue.Count == 0, "the queue drains");
        await queue.ShutDownWithDrainAsync();
        await Task.WhenAll(workers);

        overlaps.Should().Be(0);
        processed.Should().BeGreaterThanOrEqualTo(5);
    }

    [Test]
    public async Task AddAfter_BecomesReadyOnlyWhenTheClockReachesIt_AndTheEarlierDeadlineWins()
    {
        var clock = new FakeTimeProvider();
        using var queue = Queue(clock);

        queue.AddAfter("expiry", TimeSpan.FromMinutes(10));
        queue.AddAfter("expiry", TimeSpan.FromMinutes(2));
        queue.AddAfter("expiry", TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(1));
        queue.Count.Should().Be(0);
        clock.Advance(TimeSpan.FromMinutes(1));
        queue.Count.Should().Be(1);
        (await queue.GetAsync()).Item.Should().Be("expiry");
        queue.Done("expiry");
        clock.Advance(TimeSpan.FromMinutes(20));
        queue.Count.Should().Be(0, "the superseded later deadlines do not fire again");
    }

    [Test]
    public async Task AddRateLimited_BacksOffExponentially_UntilForget()
    {
        var clock = new FakeTimeProvider();
        using var queue = Queue(clock);

        foreach (var expected in new[] { 5, 10, 20, 40 })
        {
            queue.AddRateLimited("flaky");
            clock.Advance(TimeSpan.FromMilliseconds(expected - 1));
            queue.Count.Should().Be(0, $"the retry waits {expected} ms");
            clock.Advance(TimeSpan.FromMilliseconds(1));
            queue.Count.Should().Be(1);
            var (item, _) = await queue.GetAsync();
            queue.Done(item);
        }

        queue.NumRequeues("flaky").Should().Be(4);
        queue.Forget("flaky");
        queue.NumRequeues("flaky").Should().Be(0);
        queue.AddRateLimited("flaky");
        clock.Advance(TimeSpan.FromMilliseconds(5));
        queue.Count.Should().Be(1);
    }

    [Test]
    public void ExponentialBackoff_IsCapped()
    {
        var limiter = new ItemExponentialBackoffRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        var waits = Enumerable.Range(0, 30).Select(_ => limiter.When("x")).ToList();

        waits[0].Should().Be(TimeSpan.FromMilliseconds(5));
        waits[^1].Should().Be(TimeSpan.FromSeconds(1000));
        waits.Should().BeInAscendingOrder();
    }

    [Test]
    public void TokenBucket_AllowsTheBurst_ThenSpacesRetries_AndRefills()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucketRateLimiter<string>(10, 100, clock);

        Enumerable.Range(0, 100).Select(i => bucket.When($"k{i}")).ToList().Should().AllSatisfy(wait => wait.Should().Be(TimeSpan.Zero));
        bucket.When("k100").Should().Be(TimeSpan.FromMilliseconds(100));
        bucket.When("k101").Should().Be(TimeSpan.FromMilliseconds(200));
        clock.Advance(TimeSpan.FromSeconds(10));
        bucket.When("k102").Should().Be(TimeSpan.Zero);
    }

    [Test]
    public void DefaultControllerLimiter_TakesTheLongerOfItemBackoffAndBucket()
    {
        var limiter = RateLimiters.DefaultController<string>(new FakeTimeProvider());

        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(5));
        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(10));
        limiter.NumRequeues("a").Should().Be(2);
    }

    [Test]
    public async Task ShutDown_WakesIdleWorkers_AndRefusesNewItems()
    {
        using var queue = Queue(new FakeTimeProvider());
        var idle = Enumerable.Range(0, 3).Select(_ => queue.GetAsync()).ToArray();

        queue.ShutDown();
        queue.Add("late");

        var results = await Task.WhenAll(idle);
        results.Should().AllSatisfy(result => result.Ok.Should().BeFalse());
        queue.Count.Should().Be(0);
        queue.IsShuttingDown.Should().BeTrue();
    }

    [Test]
    public async Task ShutDown_StillHandsOutWhatWasQueued()
    {
        using var queue = Queue(new FakeTimeProvider());
        queue.Add("a");
        queue.Add("b");

        queue.ShutDown();

        (await queue.GetAsync()).Should().Be(("a", true));
        (await queue.GetAsync()).Should().Be(("b", true));
        (await queue.GetAsync()).Ok.Should().BeFalse();
    }

    [Test]
    public async Task ShutDownWithDrain_WaitsForItemsInProcess()
    {
        using var queue = Queue(new FakeTimeProvider());
        queue.Add("a");
        var (item, _) = await queue.GetAsync();

        var draining = queue.ShutDownWithDrainAsync();
        await Task.Yield();
        draining.IsCompleted.Should().BeFalse();

        queue.Done(item);
        await draining.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task GetAsync_HonoursCancellation_WithoutLosingTheNextItem()
    {
        using var queue = Queue(new FakeTimeProvider());
        using var cts = new CancellationTokenSource();
        var cancelled = queue.GetAsync(cts.Token);
        await cts.CancelAsync();
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();

        queue.Add("a");

        (await queue.GetAsync().WaitAsync(TimeSpan.FromSeconds(5))).Item.Should().Be("a");
    }
}
