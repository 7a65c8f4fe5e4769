using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Cluster;
using ChunkGate.Kubectl.Review;
using static ChunkGate.Kubectl.Tests.Builders.Objects;

namespace ChunkGate.Kubectl.Tests.Review;

public sealed class PendingJobsTests
{
    private static readonly CurrentUser Bob = new("bob", ["chunkgate:executors", "system:authenticated"]);

    private static IReadOnlyList<string> PendingFor(CurrentUser user, IEnumerable<ChunkJob> jobs, IEnumerable<ChunkApproval>? approvals = null, params DataConnection[] connections)
    {
        var all = connections.Length == 0 ? [Connection()] : connections;
        return [.. PendingJobs.For(user, jobs, (ns, name) => all.FirstOrDefault(c => c.Metadata.NamespaceProperty == ns && c.Metadata.Name == name), approvals ?? [], Now).Select(p => p.Name)];
    }

    [Test]
    public void For_ListsJobsAwaitingApproval_ThatAnExecutorDidNotDesign() =>
        PendingFor(Bob, [Job("b-job"), Job("a-job"), Job("unreconciled", phase: null)]).Should().Equal("a-job", "b-job", "unreconciled");

    [Test]
    public void For_LeavesOutJobsTheUserDesigned() =>
        PendingFor(new CurrentUser("alice", ["chunkgate:executors"]), [Job("mine", designer: "alice"), Job("theirs", designer: "dave")]).Should().Equal("theirs");

    [Test]
    public void For_LeavesOutJobsWhoseConnectionsExecutorGroupsExcludeTheUser() =>
        PendingFor(Bob, [Job("finance", connection: "finance-db"), Job("demo")], null,
            Connection("finance-db", executors: ["finance:executors"]), Connection()).Should().Equal("demo");

    [Test]
    public void For_LeavesOutJobsWithoutADesignerStampOrConnection() =>
        PendingFor(Bob, [Job("unstamped", designer: null), Job("orphan", connection: "gone")]).Should().BeEmpty();

    [TestCase(JobPhase.Running)]
    [TestCase(JobPhase.Succeeded)]
    [TestCase(JobPhase.Invalid)]
    [TestCase(JobPhase.Expired)]
    public void For_LeavesOutJobsNotAwaitingApproval(JobPhase phase) =>
        PendingFor(Bob, [Job("j", phase: phase)]).Should().BeEmpty();

    [Test]
    public void For_LeavesOutAJobWhoseCurrentSpecTheUserAlreadyApproved_ButNotAStaleOrExpiredApproval()
    {
        var approved = Job("approved");
        var stale = Job("stale");
        var expired = Job("expired");
        var consumed = Job("consumed");
        var approvals = new[]
        {
            Approval(approved, "bob"),
            Approval(stale, "bob", specHash: "sha256:" + new string('0', 64)),
            Approval(expired, "bob", expiresAt: Now.AddSeconds(-1)),
            Approval(consumed, "bob", phase: ApprovalPhase.Consumed, consumedBy: "r1"),
        };

        PendingFor(Bob, [approved, stale, expired, consumed], approvals).Should().Equal("consumed", "expired", "stale");
    }

    [Test]
    public void For_ListsAJobCreatedAgainUnderTheSameName_WhoseEarlierIncarnationTheUserApproved()
    {
        var recreated = Job("recreated");

        PendingFor(Bob, [recreated], [Approval(recreated, "bob", jobUid: "uid-0"), Approval(recreated, "bob", name: "unstamped", jobUid: "")]).Should().Equal("recreated");
    }

    [Test]
    public void For_CountsCurrentApprovalsOfDistinctExecutors_AgainstTheConnectionsRequirement()
    {
        var job = Job("two-person");
        var pending = PendingJobs.For(Bob, [job], (_, _) => Connection(required: 2),
            [Approval(job, "carol"), Approval(job, "carol", name: "again"), Approval(job, "dave", specHash: "sha256:" + new string('1', 64)), Approval(job, "erin", jobUid: "uid-0")], Now).Single();

        pending.Approvals.Should().Be(1);
        pending.RequiredApprovals.Should().Be(2);
        pending.Designer.Should().Be("alice");
        pending.SpecHash.Should().Be(Api.Hashing.SpecHash.Of(job));
    }
}
