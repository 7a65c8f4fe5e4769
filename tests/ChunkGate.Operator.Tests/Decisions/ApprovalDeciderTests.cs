using ChunkGate.Api.Approvals;
using ChunkGate.Operator.Decisions;
using static ChunkGate.Operator.Tests.Builders.Approvals;

namespace ChunkGate.Operator.Tests.Decisions;

public sealed class ApprovalDeciderTests
{
    private static readonly DateTimeOffset Now = T0.AddMinutes(1);

    private static ApprovalDecision Decide(ApprovalPolicy policy, params ApprovalFacts[] approvals) =>
        ApprovalDecider.Decide(policy, approvals, Now);

    [Test]
    public void Decide_AcceptsOneValidApprovalFromAnExecutor_UntilItsExpiry()
    {
        var decision = Decide(Policy(), By("bob"));

        decision.Sufficient.Should().BeTrue();
        decision.Chosen.Select(a => a.Approver).Should().Equal("bob");
        decision.ExpiresAt.Should().Be(T0.AddMinutes(10));
        decision.Approvers.Should().Equal("bob");
    }

    [Test]
    public void Decide_NoApprovals_IsNotSufficient()
    {
        var decision = Decide(Policy());

        decision.Sufficient.Should().BeFalse();
        decision.ExpiresAt.Should().BeNull();
    }

    public static IEnumerable<TestCaseData> BrokenApprovals()
    {
        TestCaseData Case(string name, ApprovalFacts approval, ApprovalVerdict verdict, string message, ApprovalPolicy? policy = null) =>
            new TestCaseData(policy ?? Policy(), approval, verdict, message).SetName("Decide_Rejects_" + name);

        yield return Case("DesignerApprovingOwnJob", By("alice"), ApprovalVerdict.ByDesigner, "alice designed demo/export-customers and cannot approve it");
        yield return Case("JobWithoutDesignerStamp", By("bob"), ApprovalVerdict.DesignerUnknown, "no designer stamp", Policy(designer: ""));
        yield return Case("MissingApproverStamp", By("bob") with { Approver = null }, ApprovalVerdict.NotStamped, "no admission stamp");
        yield return Case("MissingExpiryStamp", By("bob") with { ExpiresAt = null }, ApprovalVerdict.NotStamped, "no admission stamp");
        yield return Case("MissingHashStamp", By("bob") with { JobSpecHash = null }, ApprovalVerdict.NotStamped, "no admission stamp");
        yield return Case("MissingJobUidStamp", By("bob") with { JobUid = null }, ApprovalVerdict.NotStamped, "no admission stamp");
        yield return Case("ApprovalOfAnEarlierJobOfTheSameNameAndSpec", By("bob") with { JobUid = "uid-0" }, ApprovalVerdict.OtherJob,
            "approval bob-approval approved an earlier ChunkJob demo/export-customers (uid uid-0), not this one (uid uid-1)");
        yield return Case("ApproverOutsideExecutorGroups", By("mallory") with { ApproverGroups = ["chunkgate:designers"] }, ApprovalVerdict.NotAnExecutor, "not in the connection's executor groups");
        yield return Case("ApprovalOfAnotherSpec", By("bob") with { JobSpecHash = OtherHash }, ApprovalVerdict.StaleSpec, "is now " + Hash);
        yield return Case("ApprovalVoidedEarlier_EvenIfTheHashMatchesAgain", By("bob") with { Phase = ApprovalPhase.Voided }, ApprovalVerdict.StaleSpec, "voided");
        yield return Case("TtlAboveTheCap", By("bob", ttl: TimeSpan.FromMinutes(20)), ApprovalVerdict.TtlAboveCap, "above the connection's maxTTL of 15m");
        yield return Case("TtlThatDoesNotParse", By("bob") with { Ttl = null }, ApprovalVerdict.TtlAboveCap, "no valid ttl");
        yield return Case("ExpiredApproval", By("bob", ttl: TimeSpan.FromSeconds(30)), ApprovalVerdict.Expired, "expired at");
        yield return Case("ApprovalMarkedExpired", By("bob") with { Phase = ApprovalPhase.Expired }, ApprovalVerdict.Expired, "has expired");
        yield return Case("ApprovalConsumedByAnotherRun", By("bob").Consumed("run-1"), ApprovalVerdict.Consumed, "consumed by run run-1");
        yield return Case("ConsumedApprovalWhileAnotherRunIsActive", By("bob").Consumed("run-1"), ApprovalVerdict.Consumed, "one run", Policy(activeRun: "run-2"));
        yield return Case("ApprovalBeingDeleted", By("bob") with { Deleting = true }, ApprovalVerdict.Withdrawn, "being deleted");
        yield return Case("ApprovalInAnotherNamespace", By("bob") with { Namespace = "other" }, ApprovalVerdict.OtherNamespace, "not in the job's namespace demo");
    }

    [TestCaseSource(nameof(BrokenApprovals))]
    public void Decide_RejectsApprovalThatBreaksARule(ApprovalPolicy policy, ApprovalFacts approval, ApprovalVerdict verdict, string message)
    {
        var decision = Decide(policy, approval);

        decision.Sufficient.Should().BeFalse();
        decision.Chosen.Should().BeEmpty();
        decision.Judged.Should().ContainSingle().Which.Verdict.Should().Be(verdict);
        decision.Judged[0].Message.Should().Contain(message);
        decision.Approvers.Should().BeEmpty();
    }

    [Test]
    public void Decide_TwoApprovalsByOnePerson_CountOnce()
    {
        var decision = Decide(Policy(required: 2), By("bob", "first"), By("bob", "second"));

        decision.Sufficient.Should().BeFalse();
        decision.Judged.Select(j => j.Verdict).Should().BeEquivalentTo([ApprovalVerdict.Valid, ApprovalVerdict.SameApprover]);
    }

    [Test]
    public void Decide_TwoDistinctExecutors_MeetARequirementOfTwo_AndTheRunEndsAtTheEarlierExpiry()
    {
        var decision = Decide(Policy(required: 2), By("bob", ttl: TimeSpan.FromMinutes(5)), By("carol", ttl: TimeSpan.FromMinutes(12)));

        decision.Sufficient.Should().BeTrue();
        decision.Approvers.Should().Equal("bob", "carol");
        decision.ExpiresAt.Should().Be(T0.AddMinutes(5));
    }

    [Test]
    public void Decide_ADesignerWhoIsAlsoAnExecutor_DoesNotCountTowardsTwo()
    {
        var decision = Decide(Policy(required: 2), By("alice"), By("bob"));

        decision.Sufficient.Should().BeFalse();
        decision.Approvers.Should().Equal("bob");
    }

    [Test]
    public void Decide_PerExecutor_PrefersTheApprovalThatLastsLongest()
    {
        var decision = Decide(Policy(), By("bob", "short", ttl: TimeSpan.FromMinutes(2)), By("bob", "long", ttl: TimeSpan.FromMinutes(9)));

        decision.Chosen.Select(a => a.Name).Should().Equal("long");
        decision.ExpiresAt.Should().Be(T0.AddMinutes(9));
    }

    [Test]
    public void Decide_AForgedLaterExpiryStamp_CannotOutlastTheTtlOrTheCap()
    {
        var forged = By("bob", ttl: TimeSpan.FromMinutes(10)) with { ExpiresAt = T0.AddHours(5) };

        Decide(Policy(), forged).ExpiresAt.Should().Be(T0.AddMinutes(10));
    }

    [Test]
    public void Decide_ACapLoweredAfterApproval_ShortensTheRun()
    {
        var decision = ApprovalDecider.Decide(Policy(maxTtl: TimeSpan.FromMinutes(3)), [By("bob", ttl: TimeSpan.FromMinutes(3))], Now);

        decision.ExpiresAt.Should().Be(T0.AddMinutes(3));
    }

    [Test]
    public void Decide_ExpiryIsExclusive_AnApprovalIsDeadAtItsExpiresAt()
    {
        var approval = By("bob", ttl: TimeSpan.FromMinutes(10));

        ApprovalDecider.Decide(Policy(), [approval], T0.AddMinutes(10).AddTicks(-1)).Sufficient.Should().BeTrue();
        ApprovalDecider.Decide(Policy(), [approval], T0.AddMinutes(10)).Sufficient.Should().BeFalse();
    }

    [Test]
    public void Decide_ActiveRun_KeepsTheApprovalsItConsumed_AndIgnoresFreshOnes()
    {
        var consumed = By("bob", "used", ttl: TimeSpan.FromMinutes(4)).Consumed("run-1");
        var fresh = By("carol", "fresh", ttl: TimeSpan.FromMinutes(14));

        var decision = Decide(Policy(activeRun: "run-1"), consumed, fresh);

        decision.Sufficient.Should().BeTrue();
        decision.Chosen.Select(a => a.Name).Should().Equal("used");
        decision.ExpiresAt.Should().Be(T0.AddMinutes(4), "a new approval must not extend a run it did not authorise");
    }

    [Test]
    public void Decide_NewRun_NeverReusesAConsumedApproval()
    {
        var decision = Decide(Policy(), By("bob").Consumed("run-1"));

        decision.Sufficient.Should().BeFalse();
    }

    [Test]
    public void Decide_ActiveRun_EndsWhenItsApprovalIsWithdrawn()
    {
        var decision = Decide(Policy(activeRun: "run-1"), By("bob").Consumed("run-1") with { Deleting = true });

        decision.Sufficient.Should().BeFalse();
    }

    [Test]
    public void Decide_ARequirementBelowOne_StillNeedsOneApproval()
    {
        var decision = Decide(Policy(required: 0));

        decision.Required.Should().Be(1);
        decision.Sufficient.Should().BeFalse();
    }
}
