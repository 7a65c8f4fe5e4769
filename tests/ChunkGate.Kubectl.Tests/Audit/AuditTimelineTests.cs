using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubectl.Audit;
using k8s.Models;
using static ChunkGate.Kubectl.Tests.Builders.Objects;

namespace ChunkGate.Kubectl.Tests.Audit;

public sealed class AuditTimelineTests
{
    private static Corev1Event Core(string uid, string kind, string name, string reason, DateTimeOffset at, string type = "Normal", int? count = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{name}.{uid}", Uid = uid },
        InvolvedObject = new V1ObjectReference { Kind = kind, Name = name },
        Reason = reason,
        Message = reason + " happened",
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
}
