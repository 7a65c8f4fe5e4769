using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Runs;
using static ChunkGate.Kubectl.Tests.Builders.Objects;

namespace ChunkGate.Kubectl.Tests.Runs;

public sealed class RunProgressTests
{
    private static ChunkJob WithRun(string? finishedOutcome, ProgressStatus? progress = null, JobPhase phase = JobPhase.Running) => Job("j", modify: j => j.Status = new ChunkJobStatus
    {
        Phase = phase,
        Run = new RunStatus
        {
            Id = "r2", Approvals = ["j-abcde"], ExpiresAt = Now.AddMinutes(5),
            FinishedAt = finishedOutcome is null ? null : Now, Outcome = finishedOutcome,
        },
        Progress = progress,
    });

    [Test]
    public void Of_FollowsTheRunThatConsumedTheApproval_ToItsEnd()
    {
        var job = Job("j");
        var approval = Approval(job, "bob", name: "j-abcde");

        RunProgress.Of(job, "j-abcde", approval, null).Should().Match<RunProgress>(p => !p.Ended && p.Line.StartsWith("waiting for a run"));
        RunProgress.Of(WithRun(null, new ProgressStatus { ChunksDone = 37, ChunksTotal = 120, Rows = 3900, Summary = "37/120" }), "j-abcde", approval, null)
            .Should().Match<RunProgress>(p => !p.Ended && p.Line == "run r2 running: 37/120 chunks, 3,900 rows, until 2026-11-30T12:05:00Z" && p.ChunksTotal == 120);
        RunProgress.Of(WithRun("Succeeded", phase: JobPhase.Succeeded), "j-abcde", approval, null).Should().Be(new RunProgress("run r2 ended: Succeeded", true, true));
        RunProgress.Of(WithRun("Expired", phase: JobPhase.Expired), "j-abcde", approval, null).Should().Be(new RunProgress("run r2 ended: Expired", true, false));
    }

    [Test]
    public void Of_EndsTheWait_WhenTheApprovalCanNoLongerStartARun()
    {
        var job = Job("j");

        RunProgress.Of(job, "j-abcde", null, null).Ended.Should().BeTrue();
        RunProgress.Of(job, "j-abcde", Approval(job, "bob", name: "j-abcde", phase: ApprovalPhase.Voided), null)
            .Should().Match<RunProgress>(p => p.Ended && !p.Succeeded && p.Line.Contains("voided"));
    }

    [Test]
    public void Of_ForARevokedRun_EndsWhenThatRunEnds_OrIsReplaced()
    {
        RunProgress.Of(WithRun(null), null, null, "r2").Ended.Should().BeFalse();
        RunProgress.Of(WithRun("ApprovalWithdrawn", phase: JobPhase.AwaitingApproval), null, null, "r2").Line.Should().Be("run r2 ended: ApprovalWithdrawn");
        RunProgress.Of(WithRun(null), null, null, "r1").Ended.Should().BeTrue();
    }
}
