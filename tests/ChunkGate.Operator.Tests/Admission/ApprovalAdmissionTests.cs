using ChunkGate.Api.Approvals;
using ChunkGate.Api.Meta;
using ChunkGate.Operator.Admission;
using static ChunkGate.Operator.Tests.Admission.JobAdmissionTests;
using static ChunkGate.Operator.Tests.Builders.Approvals;
using static ChunkGate.Operator.Tests.Builders.Observations;

namespace ChunkGate.Operator.Tests.Admission;

public sealed class ApprovalAdmissionTests
{
    private static readonly UserInfo Carol = new("carol", ["chunkgate:executors"]);
    private static readonly UserInfo AliceAlsoExecutor = new("alice", ["chunkgate:designers", "chunkgate:executors"]);
    private static readonly UserInfo Admin = new("root", ["system:masters"]);
    private static readonly ApprovedJob Job = new("export-customers", "alice", Hash, "demo-db", JobUid);

    private static ApprovalAdmissionRequest Create(UserInfo user, Action<ChunkApprovalSpec>? change = null, params ExistingApproval[] existing)
    {
        var spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = "export-customers" }, Ttl = "10m", Reason = "FIN-1" };
        change?.Invoke(spec);
        return new(AdmissionOperation.Create, user, "demo", "approval-1", spec, Job, Connection(), existing);
    }

    private static ApprovalAdmissionResult Decide(ApprovalAdmissionRequest request) => ApprovalAdmission.Decide(request, Settings, T0);

    [Test]
    public void Create_ByAnExecutor_StampsApproverGroupsExpiryTheCurrentHashAndTheJobsUid()
    {
        var result = Decide(Create(Bob));

        result.Verdict.Allowed.Should().BeTrue();
        result.Stamps.Should().BeEquivalentTo(new ApprovalStamps("bob", ["chunkgate:executors"], T0.AddMinutes(10), Hash, JobUid));
    }

    [Test]
    public void Create_WithForgedStamps_GetsTheRequestersStampsInstead()
    {
        var result = Decide(Create(Bob, s =>
        {
            s.Approver = "carol";
            s.ApproverGroups = ["system:masters"];
            s.ExpiresAt = T0.AddDays(30);
            s.JobUid = "uid-0";
        }));

        result.Stamps.Should().BeEquivalentTo(new ApprovalStamps("bob", ["chunkgate:executors"], T0.AddMinutes(10), Hash, JobUid));
    }

    public static IEnumerable<TestCaseData> Denials()
    {
        TestCaseData Case(string name, ApprovalAdmissionRequest request, string message) =>
            new TestCaseData(request, message).SetName("Create_IsDenied_" + name);

        yield return Case("ForTheDesigner", Create(Alice), "alice designed demo/export-customers and cannot approve it");
        yield return Case("ForADesignerWhoIsAlsoAnExecutor", Create(AliceAlsoExecutor), "alice designed demo/export-customers and cannot approve it");
        yield return Case("ForANonExecutor", Create(Dave), "dave is not in an executor group of DataConnection demo/demo-db (chunkgate:executors) and cannot approve demo/export-customers");
        yield return Case("ForAStaleHash", Create(Bob, s => s.JobSpecHash = OtherHash), $"demo/export-customers changed since it was reviewed (reviewed {OtherHash}, now {Hash}); review it again and approve the current spec");
        yield return Case("ForATtlAboveTheCap", Create(Bob, s => s.Ttl = "16m"), "ttl 16m is longer than the maxTTL of DataConnection demo/demo-db (15m)");
        yield return Case("ForAZeroTtl", Create(Bob, s => s.Ttl = "0s"), "is not a positive duration");
        yield return Case("ForAMalformedTtl", Create(Bob, s => s.Ttl = "ten minutes"), "is not a positive duration");
        yield return Case("WithoutAReason", Create(Bob, s => s.Reason = " "), "needs a reason");
        yield return Case("ForAJobNotInTheNamespace", Create(Bob) with { Job = null }, "ChunkJob demo/export-customers does not exist; an approval must name a job in its own namespace");
        yield return Case("ForAJobWithoutADesignerStamp", Create(Bob) with { Job = Job with { Designer = null } }, "has no designer stamp");
        yield return Case("ForAJobWhoseConnectionIsGone", Create(Bob) with { Connection = null }, "DataConnection demo/demo-db of demo/export-customers does not exist");
        yield return Case("ForASecondLiveApprovalBySameExecutor", Create(Bob, null, new ExistingApproval("first", "bob", JobUid, Hash, T0.AddMinutes(5), Consumed: false)),
            "bob already approved the current spec of demo/export-customers (first, until");
    }

    [TestCaseSource(nameof(Denials))]
    public void Create_IsDenied(ApprovalAdmissionRequest request, string message)
    {
        var result = Decide(request);

        result.Verdict.Allowed.Should().BeFalse();
        result.Verdict.Message.Should().Contain(message);
        result.Stamps.Should().BeNull();
    }

    public static IEnumerable<TestCaseData> EarlierApprovalsThatDoNotBlock()
    {
        TestCaseData Case(string name, ExistingApproval existing) => new TestCaseData(existing).SetName("Create_IsAllowed_Despite" + name);

        yield return Case("AConsumedApprovalBySameExecutor", new ExistingApproval("used", "bob", JobUid, Hash, T0.AddMinutes(5), Consumed: true));
        yield return Case("AnExpiredApprovalBySameExecutor", new ExistingApproval("old", "bob", JobUid, Hash, T0, Consumed: false));
        yield return Case("AnApprovalOfAnotherSpecBySameExecutor", new ExistingApproval("other-spec", "bob", JobUid, OtherHash, T0.AddMinutes(5), Consumed: false));
        yield return Case("AnotherExecutorsApproval", new ExistingApproval("carols", "carol", JobUid, Hash, T0.AddMinutes(5), Consumed: false));
        // The job was deleted and created again under the same name and spec: an approval of the earlier job is not one of this job's.
        yield return Case("AnApprovalOfAnEarlierJobOfTheSameNameAndSpec", new ExistingApproval("earlier-job", "bob", "uid-0", Hash, T0.AddMinutes(5), Consumed: false));
        yield return Case("AnApprovalWithoutAJobUidStamp", new ExistingApproval("unstamped", "bob", null, Hash, T0.AddMinutes(5), Consumed: false));
    }

    [TestCaseSource(nameof(EarlierApprovalsThatDoNotBlock))]
    public void Create_IsAllowed(ExistingApproval existing)
    {
        var result = Decide(Create(Bob, null, existing));

        result.Verdict.Allowed.Should().BeTrue(result.Verdict.Message);
        result.Stamps!.JobUid.Should().Be(JobUid);
    }

    [Test]
    public void Update_ThatChangesTheSpec_IsDenied()
    {
        var result = Decide(Create(Bob) with { Operation = AdmissionOperation.Update, SpecChanged = true });

        result.Verdict.Message.Should().Be("ChunkApproval demo/approval-1 cannot be changed after it is created; delete it and create a new one");
    }

    [Test]
    public void Update_OfMetadataOnly_IsAllowed()
    {
        Decide(Create(Bob) with { Operation = AdmissionOperation.Update }).Verdict.Allowed.Should().BeTrue();
    }

    [TestCase("bob", true)]
    [TestCase("alice", true)]
    [TestCase("root", true)]
    [TestCase("carol", false)]
    [TestCase("dave", false)]
    [TestCase("system:kube-controller-manager", true)]
    [TestCase("system:serviceaccount:kube-system:namespace-controller", true)]
    [TestCase("system:serviceaccount:kube-systemx:impostor", false)]
    public void Delete_IsAllowedToTheApproverTheDesignerAdminsAndTheControlPlane(string username, bool allowed)
    {
        UserInfo user = username switch { "bob" => Bob, "alice" => Alice, "root" => Admin, "carol" => Carol, "dave" => Dave, _ => new UserInfo(username, []) };
        var request = Create(user, s => s.Approver = "bob") with { Operation = AdmissionOperation.Delete };

        Decide(request).Verdict.Allowed.Should().Be(allowed);
    }
}

public sealed class StatusAdmissionTests
{
    [Test]
    public void OnlyTheOperatorWritesStatus()
    {
        StatusAdmission.Decide(new UserInfo(Settings.OperatorIdentity, []), Settings, "ChunkApproval", "demo", "a").Allowed.Should().BeTrue();

        var denied = StatusAdmission.Decide(Bob, Settings, "ChunkApproval", "demo", "a");
        denied.Allowed.Should().BeFalse();
        denied.Message.Should().Be("only the ChunkGate operator may write the status of ChunkApproval demo/a; bob may not");
    }
}
