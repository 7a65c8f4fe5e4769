using ChunkGate.Sidecar.Sessions;

namespace ChunkGate.Sidecar.Tests.Sessions;

internal sealed class BufferReservationTests
{
    private const long Large = BufferReservation.Unbudgeted + 1;

    [Test]
    public void Covers_MessagesThatFitTheReadBuffer_WithoutTouchingTheBudget()
    {
        var budget = new BufferBudget(10, TimeProvider.System);
        using var reservation = new BufferReservation(budget, TimeSpan.Zero);

        reservation.Covers(BufferReservation.Unbudgeted, 3 * BufferReservation.Unbudgeted).Should().BeTrue();
        reservation.MustRevisit.Should().BeFalse();
        budget.Held.Should().Be(0);
    }

    [Test]
    public async Task LargeMessage_IsCoveredOnlyAfterItsBudgetIsReserved_AndReturnedAfterItIsConsumed()
    {
        var budget = new BufferBudget(10 * Large, TimeProvider.System);
        using var reservation = new BufferReservation(budget, TimeSpan.Zero);

        reservation.Covers(Large, 2 * Large).Should().BeFalse();
        reservation.MustRevisit.Should().BeTrue();
        (await reservation.SettleAsync()).Should().BeTrue();
        budget.Held.Should().Be(2 * Large);
        reservation.Covers(Large, 2 * Large).Should().BeTrue();

        reservation.Consumed();
        reservation.MustRevisit.Should().BeTrue("the budget goes back only after the flush");
        budget.Held.Should().Be(2 * Large);
        (await reservation.SettleAsync()).Should().BeTrue();

        budget.Held.Should().Be(0);
        reservation.MustRevisit.Should().BeFalse();
    }

    [Test]
    public async Task NextLargeMessage_WaitsUntilThePreviousOneIsFlushed()
    {
        var budget = new BufferBudget(2 * Large, TimeProvider.System);
        using var reservation = new BufferReservation(budget, TimeSpan.Zero);
        reservation.Covers(Large, 2 * Large).Should().BeFalse();
        (await reservation.SettleAsync()).Should().BeTrue();
        reservation.Consumed();

        reservation.Covers(Large, 2 * Large).Should().BeFalse("the first message's budget is still held");
        (await reservation.SettleAsync()).Should().BeTrue();

        budget.Held.Should().Be(2 * Large, "the first reservation was returned before the second was taken");
    }

    [Test]
    public async Task NoRoom_IsRefused_AndHoldsNothing()
    {
        var budget = new BufferBudget(3 * Large, TimeProvider.System);
        budget.TryReserve(2 * Large).Should().BeTrue();
        using var reservation = new BufferReservation(budget, TimeSpan.Zero);

        reservation.Covers(Large, 2 * Large).Should().BeFalse();
        (await reservation.SettleAsync()).Should().BeFalse();

        reservation.Refused.Should().Be(2 * Large);
        reservation.Held.Should().Be(0);
        budget.Held.Should().Be(2 * Large);
    }

    [Test]
    public async Task Dispose_ReturnsWhatIsHeld_WhenTheSessionEndsMidMessage()
    {
        var budget = new BufferBudget(10 * Large, TimeProvider.System);
        var reservation = new BufferReservation(budget, TimeSpan.Zero);
        reservation.Covers(Large, 2 * Large).Should().BeFalse();
        (await reservation.SettleAsync()).Should().BeTrue();

        reservation.Dispose();

        budget.Held.Should().Be(0);
    }
}
