using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Ledger;

namespace ChunkGate.Broker.Tests.Ledger;

public sealed class SweepDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Entry(string role, TimeSpan expiresIn, bool revoked = false) =>
        new(role, "uid-" + role, "ns", "job", 1, JobAction.Read, ["shop.orders"], Now + expiresIn, Now.AddMinutes(-5), revoked ? Now.AddMinutes(-1) : null);

    [Test]
    public void Decide_RevokesExpiredAndNotLive_KeepsLiveOnes()
    {
        var live = Entry("chunkgate_run_live", TimeSpan.FromMinutes(5));
        var expired = Entry("chunkgate_run_expired", TimeSpan.Zero);
        var over = Entry("chunkgate_run_over", TimeSpan.FromMinutes(5));

        var plan = SweepDecider.Decide([live, expired, over], [live.Role, expired.Role, over.Role], entry => entry != over, Now);

        plan.Revoke.Should().BeEquivalentTo([expired, over]);
        plan.Unknown.Should().BeEmpty();
    }

    [Test]
    public void Decide_ReportsUnrecordedPrefixedRoles_AndNeverRevokesThem()
    {
        var plan = SweepDecider.Decide([], ["chunkgate_run_someone_elses"], _ => false, Now);

        plan.Revoke.Should().BeEmpty();
        plan.Unknown.Should().Equal("chunkgate_run_someone_elses");
    }

    [Test]
    public void Decide_RevokesAgainARevokedRoleThatStillExists_IgnoresOneThatIsGone()
    {
        var half = Entry("chunkgate_run_half", TimeSpan.FromMinutes(5), revoked: true);
        var done = Entry("chunkgate_run_done", TimeSpan.FromMinutes(5), revoked: true);

        var plan = SweepDecider.Decide([half, done], [half.Role], _ => true, Now);

        plan.Revoke.Should().Equal(half);
        plan.Unknown.Should().BeEmpty();
    }
}
