using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Deadline;

internal sealed class LongTimerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void ADeadlineMonthsAway_FiresOnce_AtIt_NotAtALegsEnd()
    {
        var clock = new ManualTimeProvider(Start);
        var fired = 0;
        using var timer = new LongTimer(clock, Start.AddDays(100), () => fired++);

        clock.Advance(TimeSpan.FromDays(31));
        clock.Advance(TimeSpan.FromDays(31));
        clock.Advance(TimeSpan.FromDays(31));
        fired.Should().Be(0, "93 of 100 days have passed");

        clock.Advance(TimeSpan.FromDays(7));
        fired.Should().Be(1);
        clock.Advance(TimeSpan.FromDays(60));
        fired.Should().Be(1, "it is a one-shot timer");
    }

    [Test]
    public void Disposed_ItNeverFires()
    {
        var clock = new ManualTimeProvider(Start);
        var fired = 0;
        var timer = new LongTimer(clock, Start.AddDays(40), () => fired++);
        clock.Advance(TimeSpan.FromDays(31));

        timer.Dispose();
        clock.Advance(TimeSpan.FromDays(31));

        fired.Should().Be(0);
    }

    [TestCase(-5, 0)]
    [TestCase(12, 12)]
    [TestCase(400, 30)]
    public void NextLeg_IsNeverNegative_NorLongerThanALeg(int daysLeft, int expectedDays) =>
        LongTimer.NextLeg(Start.AddDays(daysLeft), Start).Should().Be(TimeSpan.FromDays(expectedDays));

    [Test]
    public void OnTheSystemClock_ADeadlineAYearAway_Arms()
    {
        // A single timer takes at most about 49 days: this threw ArgumentOutOfRangeException.
        using var armed = new ApprovalDeadline(DateTimeOffset.UtcNow.AddDays(365), TimeProvider.System).Arm(() => { });

        armed.Should().NotBeNull();
    }
}
