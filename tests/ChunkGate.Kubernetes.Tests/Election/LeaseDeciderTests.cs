using ChunkGate.Kubernetes.Election;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Election;

public sealed class LeaseDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private static V1LeaseSpec HeldBy(string holder, int transitions = 2, int seconds = 15) => new()
    {
        HolderIdentity = holder,
        LeaseDurationSeconds = seconds,
        AcquireTime = T0.AddMinutes(-5).UtcDateTime,
        RenewTime = T0.UtcDateTime,
        LeaseTransitions = transitions,
    };

    [Test]
    public void Decide_NoLease_CreatesOneNamingUs()
    {
        var decision = LeaseDecider.Decide(null, T0, "me", Duration, T0);

        decision.Action.Should().Be(LeaseAction.Create);
        decision.Spec!.HolderIdentity.Should().Be("me");
        decision.Spec.LeaseDurationSeconds.Should().Be(15);
        decision.Spec.AcquireTime.Should().Be(T0.UtcDateTime);
        decision.Spec.RenewTime.Should().Be(T0.UtcDateTime);
        decision.Spec.LeaseTransitions.Should().Be(0);
    }

    [Test]
    public void Decide_HeldByOther_WaitsUntilLeaseDurationAfterWeLastSawItChange()
    {
        var observedAt = T0.AddSeconds(3);

        var decision = LeaseDecider.Decide(HeldBy("other"), observedAt, "me", Duration, T0.AddSeconds(17.9));

        decision.Action.Should().Be(LeaseAction.Wait);
        decision.HeldUntil.Should().Be(T0.AddSeconds(18).UtcDateTime);
    }

    [Test]
    public void Decide_HeldByOther_IgnoresTheHoldersClock()
    {
        // The holder's renewTime is an hour in the past (clock skew), but we saw the record change just now.
        var lease = HeldBy("other");
        lease.RenewTime = T0.AddHours(-1).UtcDateTime;

        LeaseDecider.Decide(lease, T0, "me", Duration, T0.AddSeconds(5)).Action.Should().Be(LeaseAction.Wait);
    }

    [Test]
    public void Decide_HeldByOtherButExpired_TakesOverAndCountsATransition()
    {
        var decision = LeaseDecider.Decide(HeldBy("other", transitions: 2), T0, "me", Duration, T0.AddSeconds(15));

        decision.Action.Should().Be(LeaseAction.TakeOver);
        decision.Spec!.HolderIdentity.Should().Be("me");
        decision.Spec.AcquireTime.Should().Be(T0.AddSeconds(15).UtcDateTime);
        decision.Spec.LeaseTransitions.Should().Be(3);
    }

    [Test]
    public void Decide_UsesTheDurationTheHolderAdvertised()
    {
        var lease = HeldBy("other", seconds: 60);

        LeaseDecider.Decide(lease, T0, "me", Duration, T0.AddSeconds(30)).Action.Should().Be(LeaseAction.Wait);
        LeaseDecider.Decide(lease, T0, "me", Duration, T0.AddSeconds(60)).Action.Should().Be(LeaseAction.TakeOver);
    }

    [Test]
    public void Decide_HeldByUs_RenewsKeepingAcquireTimeAndTransitions()
    {
        var held = HeldBy("me", transitions: 4);

        var decision = LeaseDecider.Decide(held, T0, "me", Duration, T0.AddSeconds(2));

        decision.Action.Should().Be(LeaseAction.Renew);
        decision.Spec!.RenewTime.Should().Be(T0.AddSeconds(2).UtcDateTime);
        decision.Spec.AcquireTime.Should().Be(held.AcquireTime);
        decision.Spec.LeaseTransitions.Should().Be(4);
    }

    [Test]
    public void Decide_ReleasedLease_IsTakenAtOnceWithoutCountingATransition()
    {
        var released = LeaseDecider.Release(HeldBy("other", transitions: 7), T0);

        var decision = LeaseDecider.Decide(released, T0, "me", Duration, T0);

        released.HolderIdentity.Should().BeEmpty();
        released.LeaseDurationSeconds.Should().Be(1);
        decision.Action.Should().Be(LeaseAction.TakeOver);
        decision.Spec!.LeaseTransitions.Should().Be(7);
    }

    [Test]
    public void SameRecord_DetectsARenewal()
    {
        var a = HeldBy("other");
        var b = HeldBy("other");

        LeaseDecider.SameRecord(a, b).Should().BeTrue();
        b.RenewTime = T0.AddSeconds(2).UtcDateTime;
        LeaseDecider.SameRecord(a, b).Should().BeFalse();
    }

    [Test]
    public void Options_MustKeepDurationAboveDeadlineAboveRetry()
    {
        var options = new LeaderElectionOptions { LeaseName = "l", LeaseNamespace = "n", Identity = "me" };
        options.Validate();
        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(15));
        options.RenewDeadline.Should().Be(TimeSpan.FromSeconds(10));
        options.RetryPeriod.Should().Be(TimeSpan.FromSeconds(2));

        FluentActions.Invoking(() => (options with { RenewDeadline = TimeSpan.FromSeconds(15) }).Validate()).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => (options with { RetryPeriod = TimeSpan.FromSeconds(9) }).Validate()).Should().Throw<ArgumentException>();
    }

    [Test]
    public void LeaseTimes_AreWrittenAsMicroTime()
    {
        var lease = new V1Lease { Spec = new V1LeaseSpec { HolderIdentity = "me", RenewTime = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567) } };

        var json = KubernetesJson.Serialize(lease);

        json.Should().Contain("\"renewTime\":\"2026-03-01T12:00:00.123456Z\"").And.NotContain("acquireTime");
        KubernetesJson.Deserialize<V1Lease>(json)!.Spec.RenewTime.Should().Be(new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234560));
    }
}
