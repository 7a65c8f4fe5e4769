using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Sessions;

internal sealed class BufferBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void TryReserve_GrantsUpToTheCapacity_AndNotOneByteMore()
    {
        var budget = new BufferBudget(100, TimeProvider.System);

        budget.TryReserve(60).Should().BeTrue();
        budget.TryReserve(40).Should().BeTrue();
        budget.TryReserve(1).Should().BeFalse();
        budget.Held.Should().Be(100);
    }

    [Test]
    public void Release_MakesRoomAgain()
    {
        var budget = new BufferBudget(100, TimeProvider.System);
        budget.TryReserve(100).Should().BeTrue();

        budget.Release(100);

        budget.Held.Should().Be(0);
        budget.TryReserve(100).Should().BeTrue();
    }

    [Test]
    public void Release_OfMoreThanReserved_Throws()
    {
        var budget = new BufferBudget(100, TimeProvider.System);
        budget.TryReserve(10).Should().BeTrue();

        var releasing = () => budget.Release(11);

        releasing.Should().Throw<InvalidOperationException>();
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void TryReserve_RefusesNothingOrLessAsAnArgument(long bytes)
    {
        var budget = new BufferBudget(100, TimeProvider.System);

        var reserving = () => budget.TryReserve(bytes);

        reserving.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Test]
    public async Task ReserveAsync_MoreThanTheWholeCapacity_FailsAtOnce()
    {
        var time = new ManualTimeProvider(Start);
        var budget = new BufferBudget(100, time);

        // No timer is armed: a request that can never fit does not wait.
        (await budget.ReserveAsync(101, TimeSpan.FromSeconds(5))).Should().BeFalse();
        budget.Held.Should().Be(0);
    }

    [Test]
    public async Task ReserveAsync_IsGranted_WhenAnotherSessionReleasesWithinTheWait()
    {
        var time = new ManualTimeProvider(Start);
        var budget = new BufferBudget(100, time);
        budget.TryReserve(80).Should().BeTrue();

        var waiting = budget.ReserveAsync(50, TimeSpan.FromSeconds(2)).AsTask();
        await time.WaitForTimersAsync();
        waiting.IsCompleted.Should().BeFalse("30 bytes are free, 50 are asked for");
        budget.Release(80);

        (await waiting).Should().BeTrue();
        budget.Held.Should().Be(50);
    }

    [Test]
    public async Task ReserveAsync_GivesUp_WhenNothingIsReleasedWithinTheWait()
    {
        var time = new ManualTimeProvider(Start);
        var budget = new BufferBudget(100, time);
        budget.TryReserve(80).Should().BeTrue();

        var waiting = budget.ReserveAsync(50, TimeSpan.FromSeconds(2)).AsTask();
        await time.WaitForTimersAsync();
        time.Advance(TimeSpan.FromSeconds(2));

        (await waiting).Should().BeFalse();
        budget.Held.Should().Be(80, "a refused wait holds nothing");
    }

    [Test]
    public async Task ReserveAsync_KeepsWaiting_WhenAReleaseFreesTooLittle()
    {
        var time = new ManualTimeProvider(Start);
        var budget = new BufferBudget(100, time);
        budget.TryReserve(40).Should().BeTrue();
        budget.TryReserve(40).Should().BeTrue();

        var waiting = budget.ReserveAsync(70, TimeSpan.FromSeconds(2)).AsTask();
        await time.WaitForTimersAsync();
        budget.Release(40);
        await Task.Yield();
        waiting.IsCompleted.Should().BeFalse("60 bytes are free, 70 are asked for");
        budget.Release(40);

        (await waiting).Should().BeTrue();
        budget.Held.Should().Be(70);
    }

    [Test]
    public async Task ParallelReservations_NeverExceedTheCapacity()
    {
        var budget = new BufferBudget(1000, TimeProvider.System);
        var peak = 0L;
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var round = 0; round < 5000; round++)
            {
                if (budget.TryReserve(300))
                {
                    var held = budget.Held;
                    InterlockedMax(ref peak, held);
                    budget.Release(300);
                }
            }
        }));

        await Task.WhenAll(workers);

        peak.Should().BeLessThanOrEqualTo(1000);
        budget.Held.Should().Be(0);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
