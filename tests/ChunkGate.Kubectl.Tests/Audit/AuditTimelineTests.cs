using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubectl.Audit;
using k8s.Models;
using static ChunkGate.Kubectl.Tests.Builders.Objects;

namespace ChunkGate.Kubectl.Tests.Audit;

public sealed class AuditTimelineTests
{
    private static Corev1Event Core(string uid, string kind, string name, string reason, DateTimeOffset at, string type = "Normal", int? count = null,
        string? message = null, string? involvedUid = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{name}.{uid}", Uid = uid },
        InvolvedObject = new V1ObjectReference { Kind = kind, Name = name, Uid = involvedUid },
        Reason = reason,
        Message = message ?? reason + " happened",
        Type = type,
        LastTimestamp = at.UtcDateTime,
        Count = count,
    };

    private static Eventsv1Event Newer(string uid, string kind, string name, string reason, DateTimeOffset at) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{name}.{uid}", Uid = uid },
        Regarding = new V1ObjectReference { Kind = kind, Name = name },
        Reason = reason,
        Note = reason + " noted",
        Type = "Normal",
        EventTime = at.UtcDateTime,
    };

    [Test]
    public void Build_MergesEventsAndStatus_OldestFirst_EachEventOnce()
    {
        var job = Job("export-customers", modify: j => j.Status = new ChunkJobStatus
        {
            Phase = JobPhase.AwaitingApproval,
            Run = new RunStatus
            {
                Id = "r1", SpecHash = "sha256:" + new string('a', 64), Approvals = ["export-customers-bob"],
                StartedAt = Now.AddMinutes(-4), FinishedAt = Now.AddMinutes(-1), Outcome = "ApprovalWithdrawn", ExpiresAt = Now.AddMinutes(5),
            },
            Conditions = [new Condition { Type = "Approved", Status = ConditionStatus.False, Reason = "ApprovalWithdrawn", Message = "withdrawn", LastTransitionTime = Now.AddMinutes(-1).AddSeconds(1) }],
        });
        var approval = Approval(job, "bob", created: Now.AddMinutes(-5));
        var accepted = Core("u1", "ChunkJob", "export-customers", "ApprovalAccepted", Now.AddMinutes(-4).AddSeconds(-1));
        var revoked = Core("u2", "ChunkJob", "export-customers", "RunRevokedApprovalWithdrawn", Now.AddMinutes(-1), "Warning", count: 2);

        var timeline = AuditTimeline.Build(job, [approval], [revoked, accepted, Core("u3", "ChunkApproval", "export-customers-bob", "ApprovalAccepted", Now.AddMinutes(-5).AddSeconds(1))],
        [
            // The same stored Event seen through events.k8s.io/v1 is not repeated.
            Newer("u1", "ChunkJob", "export-customers", "ApprovalAccepted", Now.AddMinutes(-4).AddSeconds(-1)),
            Newer("u4", "ChunkJob", "export-customers", "Audited", Now.AddMinutes(-2)),
            Newer("u5", "ChunkJob", "someone-else", "NotOurs", Now.AddMinutes(-2)),
        ]);

        timeline.Select(e => $"{e.Source} {e.Object} {e.Reason}").Should().Equal(
            "status ChunkJob/export-customers Created",
            "status ChunkApproval/export-customers-bob Approved",
            "event ChunkApproval/export-customers-bob ApprovalAccepted",
            "event ChunkJob/export-customers ApprovalAccepted",
            "status ChunkJob/export-customers RunStarted",
            "event ChunkJob/export-customers Audited",
            "event ChunkJob/export-customers RunRevokedApprovalWithdrawn",
            "status ChunkJob/export-customers RunEnded",
            "status ChunkJob/export-customers ApprovalWithdrawn");
        timeline.Select(e => e.Time).Should().BeInAscendingOrder();
        timeline.Single(e => e.Reason == "RunRevokedApprovalWithdrawn").Count.Should().Be(2);
        timeline.Single(e => e.Reason == "Created").Message.Should().Be("created by alice");
        timeline.Single(e => e.Reason == "Approved").Message.Should().Contain("bob approved spec sha256:").And.Contain("TICKET-1");
    }

    [Test]
    public void Build_TellsEveryRunStillOnRecord_EachLineWithItsRun_ButNothingOfAnEarlierJobOfTheSameName()
    {
        var job = Job("export-customers", modify: j => j.Status = new ChunkJobStatus
        {
            Phase = JobPhase.Succeeded,
            RunsStarted = 2,
            Run = new RunStatus { Id = "r2", Approvals = ["second"], StartedAt = Now.AddMinutes(-3), FinishedAt = Now.AddMinutes(-2), Outcome = "Succeeded" },
        });
        var uid = job.Metadata.Uid;
        var first = Approval(job, "bob", name: "first", phase: ApprovalPhase.Consumed, consumedBy: "r1", created: Now.AddMinutes(-9));
        first.Status!.Conditions =
        [
            new Condition { Type = "Accepted", Status = ConditionStatus.False, Reason = "Consumed", Message = "approval first was consumed by run r1; an approval serves one run", LastTransitionTime = Now.AddMinutes(-7).AddSeconds(1) },
        ];
        var second = Approval(job, "carol", name: "second", phase: ApprovalPhase.Consumed, consumedBy: "r2", created: Now.AddMinutes(-4));
        var ofAnEarlierJob = Approval(job, "bob", name: "earlier", jobUid: "uid-0", created: Now.AddMinutes(-30));

        var timeline = AuditTimeline.Build(job, [second, ofAnEarlierJob, first],
        [
            Core("e1", "ChunkJob", "export-customers", "RunStarted", Now.AddMinutes(-8), message: "run r1 started in Pod export-customers-r1, approved by bob", involvedUid: uid),
            Core("e2", "ChunkJob", "export-customers", "CredentialsRevoked", Now.AddMinutes(-7), message: "role chunkgate_run_1 of run r1 revoked (Succeeded): 1 session(s) ended, role dropped", involvedUid: uid),
            Core("e3", "ChunkJob", "export-customers", "RunStarted", Now.AddMinutes(-3).AddSeconds(1), message: "run r2 started in Pod export-customers-r2, approved by carol", involvedUid: uid),
            Core("e4", "ChunkJob", "export-customers", "CredentialsRevoked", Now.AddMinutes(-2), message: "role chunkgate_run_2 of run r2 revoked (Succeeded): 0 session(s) ended, role dropped"),
            // The job of the same name that was deleted before this one was created, and its approval.
            Core("e0", "ChunkJob", "export-customers", "RunStarted", Now.AddMinutes(-25), message: "run r1 started in Pod export-customers-r1, approved by bob", involvedUid: "uid-0"),
            Core("e5", "ChunkApproval", "earlier", "ApprovalAccepted", Now.AddMinutes(-29)),
        ], []);

        timeline.Select(e => $"{e.Run ?? "-"} {e.Source} {e.Object} {e.Reason}").Should().Equal(
            "- status ChunkJob/export-customers Created",
            "r1 status ChunkApproval/first Approved",
            "r1 event ChunkJob/export-customers RunStarted",
            "r1 event ChunkJob/export-customers CredentialsRevoked",
            "r1 status ChunkApproval/first Consumed",
            "r2 status ChunkApproval/second Approved",
            "r2 status ChunkJob/export-customers RunStarted",
            "r2 event ChunkJob/export-customers RunStarted",
            "r2 event ChunkJob/export-customers CredentialsRevoked",
            "r2 status ChunkJob/export-customers RunEnded");
    }
}
