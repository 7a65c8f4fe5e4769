using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Tests.Builders;
using static ChunkGate.Operator.Tests.Builders.Approvals;
using static ChunkGate.Operator.Tests.Builders.Observations;

namespace ChunkGate.Operator.Tests.Decisions;

public sealed class JobDeciderTests
{
    private static readonly DateTimeOffset Now = T0.AddMinutes(1);

    private static JobPlan Decide(JobObservation observed, DateTimeOffset? now = null) => JobDecider.Decide(observed, now ?? Now);

    [Test]
    public void Decide_WithoutApprovals_AwaitsApproval_AndStartsNothing()
    {
        var plan = Decide(Job());

        plan.Phase.Should().Be(JobPhase.AwaitingApproval);
        plan.Start.Should().BeNull();
        plan.End.Should().BeNull();
        plan.Message.Should().Be("0 of 1 required approval(s) of the current spec");
    }

    [Test]
    public void Decide_StartsRunOne_WhenAnExecutorApproved_EndingAtTheApprovalsExpiry()
    {
        var plan = Decide(Job().With(By("bob")));

        plan.Phase.Should().Be(JobPhase.Running);
        plan.Start.Should().BeEquivalentTo(new RunStart("r1", ["bob-approval"], ["bob"], T0.AddMinutes(10)));
        plan.RequeueAt.Should().Be(T0.AddMinutes(10));
        plan.AuditEvents.Should().ContainSingle().Which.Reason.Should().Be("ApprovalAccepted");
    }

    [Test]
    public void Decide_SecondRun_GetsTheNextIdAndNeedsAFreshApproval()
    {
        var afterFirst = Job(j => j with { RunsStarted = 1, PreviousPhase = JobPhase.Succeeded });

        Decide(afterFirst.With(By("bob").Consumed("r1"))).Start.Should().BeNull("the consumed approval served run r1");
        Decide(afterFirst.With(By("bob").Consumed("r1"), By("carol"))).Start!.Id.Should().Be("r2");
    }

    [Test]
    public void Decide_FinishedRunsOutcome_StaysVisibleUntilANewRunStarts()
    {
        Decide(Job(j => j with { RunsStarted = 1, PreviousPhase = JobPhase.Expired })).Phase.Should().Be(JobPhase.Expired);
    }

    [Test]
    public void Decide_DesignerApprovingOwnJob_StartsNothing()
    {
        var plan = Decide(Job().With(By("alice")));

        plan.Start.Should().BeNull();
        plan.Approvals.Judged.Single().Message.Should().Be("alice designed demo/export-customers and cannot approve it");
    }

    [Test]
    public void Decide_JobWithoutADesignerStamp_IsNeverApprovable()
    {
        Decide(Job(j => j with { Designer = null }).With(By("bob"))).Start.Should().BeNull();
    }

    [Test]
    public void Decide_RunningRun_IsEnsuredUntilItsExpiry_WithoutASecondStart()
    {
        // A controller restarted mid-run observes the run from status: it re-applies it, never starts another.
        var plan = Decide(Job().With(By("bob").Consumed("r1")).Running());

        plan.Phase.Should().Be(JobPhase.Running);
        plan.Start.Should().BeNull();
        plan.Ensure!.Id.Should().Be("r1");
        plan.End.Should().BeNull();
        plan.RequeueAt.Should().Be(T0.AddMinutes(10));
    }

    [Test]
    public void Decide_CrashAfterRecordingTheRunBeforeConsuming_KeepsTheRunAndItsApprovals()
    {
        var plan = Decide(Job().With(By("bob")).Running());

        plan.Ensure!.Approvals.Should().Equal("bob-approval");
        plan.Start.Should().BeNull();
        plan.End.Should().BeNull();
    }

    [Test]
    public void Decide_AFreshApprovalDuringARun_NeitherStartsAnotherNorExtendsIt()
    {
        var plan = Decide(Job().With(By("bob", ttl: TimeSpan.FromMinutes(4)).Consumed("r1"), By("carol", ttl: TimeSpan.FromMinutes(15)))
            .Running(expiresAt: T0.AddMinutes(4)));

        plan.Start.Should().BeNull();
        plan.RequeueAt.Should().Be(T0.AddMinutes(4));
    }

    public static IEnumerable<TestCaseData> RunEndings()
    {
        TestCaseData Case(string name, JobObservation observed, RunEnd why, JobPhase phase, string eventReason, DateTimeOffset? now = null) =>
            new TestCaseData(observed, now ?? Now, why, phase, eventReason).SetName("Decide_EndsTheRun_When" + name);

        var consumed = By("bob").Consumed("r1");
        yield return Case("PodSucceeded", Job().With(consumed).Running(pod: PodState.Succeeded), RunEnd.Succeeded, JobPhase.Succeeded, "RunSucceeded");
        yield return Case("PodFailed", Job().With(consumed).Running(pod: PodState.Failed), RunEnd.Failed, JobPhase.Failed, "RunFailed");
        yield return Case("ApprovalExpiresMidRun", Job().With(consumed).Running(), RunEnd.Expired, JobPhase.Expired, "ApprovalExpired", T0.AddMinutes(10));
        yield return Case("SpecChangedMidRun", Job().With(consumed).Running(specHash: OtherHash), RunEnd.SpecChanged, JobPhase.AwaitingApproval, "RunRevokedSpecChanged");
        yield return Case("ApprovalDeletedMidRun", Job().With(consumed with { Deleting = true }).Running(), RunEnd.ApprovalWithdrawn, JobPhase.AwaitingApproval, "RunRevokedApprovalWithdrawn");
        yield return Case("ApprovalGoneMidRun", Job().Running(), RunEnd.ApprovalWithdrawn, JobPhase.AwaitingApproval, "RunRevokedApprovalWithdrawn");
        yield return Case("JobDeletedMidRun", Job(j => j with { Deleting = true }).With(consumed).Running(), RunEnd.JobDeleted, JobPhase.Running, "RunRevokedJobDeleted");
        yield return Case("ConnectionDeletedMidRun", Job().With(consumed).Running() with { Connection = null }, RunEnd.JobInvalid, JobPhase.Invalid, "RunRevokedJobInvalid");
        yield return Case("ActionNoLongerAllowed", Job(j => j with { Spec = WithAction(JobAction.Write) }).With(consumed).Running(), RunEnd.JobInvalid, JobPhase.Invalid, "RunRevokedJobInvalid");
        yield return Case("ExecutorLeftTheGroups", Job().With(consumed with { ApproverGroups = ["former-staff"] }).Running(), RunEnd.ApprovalWithdrawn, JobPhase.AwaitingApproval, "RunRevokedApprovalWithdrawn");
        var loweredCap = Connection();
        loweredCap.MaxTTL = "3m";
        yield return Case("CapLoweredBelowTheApprovalsTtl", Job().With(consumed).Running() with { Connection = loweredCap }, RunEnd.ApprovalWithdrawn, JobPhase.AwaitingApproval, "RunRevokedApprovalWithdrawn");
    }

    [Test]
    public void Decide_EndsTheRunAsFailed_WhenARunnerReportsAFailedChunk_EvenWhileItsPodsStillRun()
    {
        var failure = new ChunkGate.Operator.Progress.ChunkFailure(1, 4, 400, 500, "23505", "duplicate key value violates unique constraint");
        var running = Job().With(By("bob").Consumed("r1")).Running();
        var observed = running with { ActiveRun = running.ActiveRun! with { Failure = failure } };

        var plan = Decide(observed);

        plan.End!.Value.Why.Should().Be(RunEnd.Failed);
        plan.Phase.Should().Be(JobPhase.Failed);
        plan.Reason.Should().Be("ChunkFailed");
        plan.Message.Should().Be("run r1 failed: chunk 4 [400, 500) on shard 1: 23505 duplicate key value violates unique constraint");
        plan.AuditEvents.Select(e => e.Reason).Should().BeEquivalentTo("RunFailed", "ChunkFailed");
        plan.AuditEvents.Should().OnlyContain(e => e.Warning && e.Message == plan.Message);
    }

    [Test]
    public void Decide_ARunPodLost_EndsTheRunFailed_NeverEnsuresItAgain_AndWarnsTheRecordingMayBeIncomplete()
    {
        var running = Job().With(By("bob").Consumed("r1")).Running(pod: PodState.Lost);

        var plan = Decide(running with { ActiveRun = running.ActiveRun! with { LostPods = ["export-customers-r1-1"] } });

        plan.Ensure.Should().BeNull("no second Pod for the shard in the same run");
        plan.End!.Value.Why.Should().Be(RunEnd.Failed);
        plan.Phase.Should().Be(JobPhase.Failed);
        plan.Reason.Should().Be("RunPodDeleted");
        plan.Message.Should().StartWith("run r1 failed: its Pod export-customers-r1-1 was deleted before it finished")
            .And.Contain("no Pod replaces it under the same approval").And.Contain("recording may be incomplete");
        plan.AuditEvents.Select(e => e.Reason).Should().BeEquivalentTo("RunFailed", "RunPodDeleted");
        plan.AuditEvents.Should().OnlyContain(e => e.Warning && e.Message == plan.Message);
    }

    [Test]
    public void Decide_ARunPodLost_AfterExpiry_IsStillExpired()
    {
        var plan = Decide(Job().With(By("bob").Consumed("r1")).Running(pod: PodState.Lost), T0.AddMinutes(11));

        plan.End!.Value.Why.Should().Be(RunEnd.Expired, "the deadline deleted nothing the run still needed");
    }

    [Test]
    public void Decide_IgnoresAFailure_OnceTheRunIsRevokedForAnotherReason()
    {
        var failure = new ChunkGate.Operator.Progress.ChunkFailure(0, 0, 0, 100, null, "x");
        var running = Job().With(By("bob").Consumed("r1")).Running(specHash: OtherHash);

        var plan = Decide(running with { ActiveRun = running.ActiveRun! with { Failure = failure } });

        plan.End!.Value.Why.Should().Be(RunEnd.SpecChanged, "a spec change voids the run whatever its runner said");
    }

    [TestCaseSource(nameof(RunEndings))]
    public void Decide_EndsTheRun(JobObservation observed, DateTimeOffset now, RunEnd why, JobPhase phase, string eventReason)
    {
        var plan = Decide(observed, now);

        plan.End.Should().NotBeNull();
        plan.End!.Value.Why.Should().Be(why);
        plan.End.Value.Run.Id.Should().Be("r1");
        plan.Ensure.Should().BeNull("an ending run must not be re-created");
        plan.Start.Should().BeNull("no run starts in the same step as one ends");
        plan.Phase.Should().Be(phase);
        plan.AuditEvents.Should().ContainSingle(e => e.Reason == eventReason);
    }

    [Test]
    public void Decide_SpecChange_VoidsTheRunsApprovals()
    {
        var plan = Decide(Job().With(By("bob").Consumed("r1")).Running(specHash: OtherHash));

        plan.VoidApprovals.Should().Equal("bob-approval");
        plan.AuditEvents.Select(e => e.Reason).Should().Contain("SpecChangedApprovalsVoided");
    }

    [Test]
    public void Decide_DeletedJobWithoutRun_ReleasesItsFinalizer_AndStartsNothing()
    {
        var plan = Decide(Job(j => j with { Deleting = true }).With(By("bob")));

        plan.ReleaseFinalizer.Should().BeTrue();
        plan.Start.Should().BeNull();
        plan.End.Should().BeNull();
    }

    [Test]
    public void Decide_UnknownConnection_IsInvalid_AndNamesIt()
    {
        var plan = Decide(Job().With(By("bob")) with { Connection = null });

        plan.Phase.Should().Be(JobPhase.Invalid);
        plan.Message.Should().Be("DataConnection demo/demo-db does not exist");
        plan.Start.Should().BeNull();
    }

    [Test]
    public void Decide_ActionNotAllowedByTheConnection_IsInvalid()
    {
        var plan = Decide(Job(j => j with { Spec = WithAction(JobAction.Transform) }).With(By("bob")));

        plan.Phase.Should().Be(JobPhase.Invalid);
        plan.Message.Should().Contain("\"transform\" is not allowed by DataConnection \"demo-db\"");
        plan.Start.Should().BeNull();
    }

    [Test]
    public void Decide_ChunkTableOutsideTheTables_IsInvalid()
    {
        var spec = Spec();
        spec.Chunking.Table = "public.orders";

        var plan = Decide(Job(j => j with { Spec = spec }).With(By("bob")));

        plan.Phase.Should().Be(JobPhase.Invalid);
        plan.Message.Should().Contain("spec.chunking.table");
    }

    [Test]
    public void Decide_IsLevelBased_TheSameObservationGivesTheSamePlan()
    {
        var observed = Job().With(By("bob"), By("carol"));

        Decide(observed).Should().BeEquivalentTo(Decide(observed));
    }

    [Test]
    public void Decide_AwaitingWithACountedApproval_LooksAgainWhenItExpires()
    {
        var connection = Connection();
        connection.RequiredApprovals = 2;

        var plan = Decide(Job().With(By("bob", ttl: TimeSpan.FromMinutes(7))) with { Connection = connection });

        plan.Phase.Should().Be(JobPhase.AwaitingApproval);
        plan.RequeueAt.Should().Be(T0.AddMinutes(7));
    }

    private static Api.Jobs.ChunkJobSpec WithAction(JobAction action)
    {
        var spec = Spec();
        spec.Action = action;
        return spec;
    }
}
