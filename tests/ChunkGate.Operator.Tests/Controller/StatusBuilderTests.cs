using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Controller.Approvals;
using ChunkGate.Operator.Controller.Jobs;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Status;
using ChunkGate.Operator.Tests.Builders;
using static ChunkGate.Operator.Tests.Builders.Approvals;
using static ChunkGate.Operator.Tests.Builders.Observations;

namespace ChunkGate.Operator.Tests.Controller;

public sealed class StatusBuilderTests
{
    private static readonly DateTimeOffset Now = T0.AddMinutes(1);

    [Test]
    public void JobStatus_ForANewRun_ShowsRunningApproversExpiryAndObservedGeneration()
    {
        var observed = Job(j => j with { Generation = 3 }).With(By("bob"));
        var plan = JobDecider.Decide(observed, Now);
        var run = RunLifecycle.NewRecord(observed.Job, plan.Start!, Now);

        var status = JobStatusBuilder.Build(null, observed.Job, plan, run, 1, Now);

        status.Phase.Should().Be(JobPhase.Running);
        status.ObservedGeneration.Should().Be(3);
        status.Approvers.Should().Be("bob");
        status.Approval!.ExpiresAt.Should().Be(T0.AddMinutes(10));
        status.Approval.Approvals.Should().Equal("bob-approval");
        status.RunsStarted.Should().Be(1);
        status.Run!.Id.Should().Be("r1");
        status.Run.SpecHash.Should().Be(Hash);
        status.Run.Approvals.Should().Equal("bob-approval");
        status.Run.TraceParent.Should().MatchRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$");
        status.Designer.Should().Be("alice");
        status.Conditions.Should().Contain(c => c.Type == ConditionTypes.Running && c.Status == ConditionStatus.True);
    }

    [Test]
    public void JobStatus_AfterAFailedRun_KeepsSayingWhyItEnded_AndKeepsItsProgress()
    {
        var observed = Job(j => j with { PreviousPhase = JobPhase.Failed, RunsStarted = 1 });
        var plan = JobDecider.Decide(observed, Now);
        var finished = new RunStatus { Id = "r1", FinishedAt = Now, Outcome = "Failed", Message = "run r1 failed: chunk 3 [31, 41) on shard 1: 23505 duplicate key" };
        var previous = new ChunkJobStatus { Progress = new ProgressStatus { ChunksDone = 2, ChunksTotal = 6, Summary = "2/6" } };

        var status = JobStatusBuilder.Build(previous, observed.Job, plan, finished, 1, Now);

        status.Phase.Should().Be(JobPhase.Failed);
        status.Conditions!.Single(c => c.Type == ConditionTypes.Running).Message.Should().Be(finished.Message);
        status.Progress!.Summary.Should().Be("2/6");
    }

    [Test]
    public void JobStatus_Unchanged_IsEqual_SoNothingIsWritten()
    {
        var observed = Job();
        var plan = JobDecider.Decide(observed, Now);
        var first = JobStatusBuilder.Build(null, observed.Job, plan, null, 0, Now);

        var second = JobStatusBuilder.Build(first, observed.Job, plan, null, 0, Now.AddMinutes(5));

        Operator.Controller.Runtime.StatusEquality.Same(second, first).Should().BeTrue();
    }

    [Test]
    public void JobStatus_Invalid_SaysWhyInTheValidCondition()
    {
        var observed = Job() with { Connection = null };
        var plan = JobDecider.Decide(observed, Now);

        var status = JobStatusBuilder.Build(null, observed.Job, plan, null, 0, Now);

        status.Phase.Should().Be(JobPhase.Invalid);
        status.Conditions.Should().ContainSingle(c => c.Type == ConditionTypes.Valid).Which.Message.Should().Contain("demo-db does not exist");
    }

    [TestCase(ApprovalVerdict.Valid, ApprovalPhase.Active)]
    [TestCase(ApprovalVerdict.Expired, ApprovalPhase.Expired)]
    [TestCase(ApprovalVerdict.StaleSpec, ApprovalPhase.Voided)]
    [TestCase(ApprovalVerdict.ByDesigner, null)]
    public void ApprovalStatus_FollowsTheVerdict(ApprovalVerdict verdict, ApprovalPhase? phase)
    {
        var status = ApprovalStatusBuilder.Build(null, 1, verdict, "why", Now);

        status.Phase.Should().Be(phase);
        status.Conditions.Should().ContainSingle().Which.Should().Match<Condition>(c =>
            c.Reason == verdict.ToString() && c.Message == "why" && c.Status == (verdict == ApprovalVerdict.Valid ? ConditionStatus.True : ConditionStatus.False));
    }

    [TestCase(ApprovalVerdict.Valid)]
    [TestCase(ApprovalVerdict.Expired)]
    public void ApprovalStatus_ConsumedStaysConsumed(ApprovalVerdict verdict) =>
        ApprovalStatusBuilder.Build(new ChunkApprovalStatus { Phase = ApprovalPhase.Consumed, ConsumedBy = "r1" }, 1, verdict, "m", Now)
            .Should().Match<ChunkApprovalStatus>(s => s.Phase == ApprovalPhase.Consumed && s.ConsumedBy == "r1");

    [Test]
    public void ApprovalStatus_ConsumedThenVoided_StaysVoided() =>
        ApprovalStatusBuilder.Build(new ChunkApprovalStatus { Phase = ApprovalPhase.Voided, ConsumedBy = "r1" }, 1, ApprovalVerdict.StaleSpec, "m", Now)
            .Should().Match<ChunkApprovalStatus>(s => s.Phase == ApprovalPhase.Voided && s.ConsumedBy == "r1");

    [Test]
    public void ApprovalStatus_VoidedStaysVoided_EvenIfTheSpecChangesBack() =>
        ApprovalStatusBuilder.Build(new ChunkApprovalStatus { Phase = ApprovalPhase.Voided }, 1, ApprovalVerdict.Valid, "m", Now)
            .Phase.Should().Be(ApprovalPhase.Voided);
}
