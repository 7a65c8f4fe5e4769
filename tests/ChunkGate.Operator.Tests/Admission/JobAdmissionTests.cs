using ChunkGate.Operator.Admission;
using static ChunkGate.Operator.Tests.Builders.Approvals;
using static ChunkGate.Operator.Tests.Builders.Observations;

namespace ChunkGate.Operator.Tests.Admission;

public sealed class JobAdmissionTests
{
    internal static readonly AdmissionSettings Settings = new("system:serviceaccount:chunkgate:operator", ["system:serviceaccount:argocd:argocd-application-controller"], ["system:masters"]);
    internal static readonly UserInfo Alice = new("alice", ["chunkgate:designers", "system:authenticated"]);
    internal static readonly UserInfo Dave = new("dave", ["chunkgate:designers"]);
    internal static readonly UserInfo Bob = new("bob", ["chunkgate:executors"]);
    internal static readonly UserInfo ArgoCd = new("system:serviceaccount:argocd:argocd-application-controller", ["system:serviceaccounts"]);

    private static JobAdmissionRequest Create(UserInfo user, string? annotation = null) =>
        new(AdmissionOperation.Create, user, "demo", "export-customers", Spec(), Hash, annotation, Connection());

    private static JobAdmissionRequest Update(UserInfo user, string? oldDesigner = "alice", string? annotation = "alice", string hash = OtherHash) =>
        new(AdmissionOperation.Update, user, "demo", "export-customers", Spec(), hash, annotation, Connection(), Hash, oldDesigner);

    private static JobAdmissionResult Decide(JobAdmissionRequest request, params string[] maskedTables) =>
        JobAdmission.Decide(request, Settings, maskedTables);

    [Test]
    public void Create_ByADesigner_StampsThemAsDesigner()
    {
        var result = Decide(Create(Alice));

        result.Verdict.Allowed.Should().BeTrue();
        result.Designer.Should().Be("alice");
    }

    [Test]
    public void Create_WithAForgedDesignerAnnotation_StampsTheRequesterInstead()
    {
        Decide(Create(Alice, annotation: "dave")).Designer.Should().Be("alice");
    }

    [Test]
    public void Create_ByANonDesigner_IsDenied()
    {
        var result = Decide(Create(Bob));

        result.Verdict.Allowed.Should().BeFalse();
        result.Verdict.Message.Should().Be("bob is not in a designer group of DataConnection demo/demo-db (chunkgate:designers) and cannot create demo/export-customers");
    }

    [Test]
    public void Create_ByGitOps_TakesTheDesignerFromTheAnnotation()
    {
        Decide(Create(ArgoCd, annotation: "alice")).Designer.Should().Be("alice");
    }

    [Test]
    public void Create_ByGitOpsWithoutTheAnnotation_IsDenied_AndSaysWhichAnnotationToAdd()
    {
        var result = Decide(Create(ArgoCd));

        result.Verdict.Allowed.Should().BeFalse();
        result.Verdict.Message.Should().Contain("add the annotation chunkgate.io/designer");
    }

    [Test]
    public void Create_OnAMissingConnection_IsDenied()
    {
        var result = Decide(Create(Alice) with { Connection = null });

        result.Verdict.Message.Should().Be("DataConnection demo/demo-db does not exist; create the job after its connection");
    }

    [Test]
    public void Create_WithAnActionTheConnectionDoesNotAllow_IsDenied()
    {
        var spec = Spec();
        spec.Action = Api.Jobs.JobAction.Transform;

        Decide(Create(Alice) with { Spec = spec }).Verdict.Message.Should().Contain("\"transform\" is not allowed");
    }

    [Test]
    public void Update_ChangingTheDesignerStamp_IsDenied_EvenForTheDesigner()
    {
        var result = Decide(Update(Alice, annotation: "dave", hash: Hash));

        result.Verdict.Allowed.Should().BeFalse();
        result.Verdict.Message.Should().Contain("cannot be changed");
    }

    [Test]
    public void Update_RemovingTheDesignerStamp_IsDenied()
    {
        Decide(Update(Alice, annotation: null, hash: Hash)).Verdict.Allowed.Should().BeFalse();
    }

    [Test]
    public void Update_OfTheSpecByAnotherDesigner_IsDenied()
    {
        // Otherwise dave could rewrite alice's job and, as an executor too, approve what he wrote.
        var result = Decide(Update(Dave));

        result.Verdict.Allowed.Should().BeFalse();
        result.Verdict.Message.Should().Be("only alice, who designed demo/export-customers, may change its spec; dave may create a new ChunkJob instead");
    }

    [Test]
    public void Update_OfTheSpecByItsDesigner_KeepsTheStamp()
    {
        var result = Decide(Update(Alice));

        result.Verdict.Allowed.Should().BeTrue();
        result.Designer.Should().Be("alice");
    }

    [Test]
    public void Update_OfMetadataOnly_ByAnyone_KeepsTheStamp()
    {
        Decide(Update(Bob, hash: Hash)).Should().Be(new JobAdmissionResult(AdmissionVerdict.Allow(), "alice"));
    }

    [Test]
    public void Update_ByGitOps_KeepsTheOriginalDesigner()
    {
        Decide(Update(ArgoCd)).Designer.Should().Be("alice");
    }

    [Test]
    public void Create_NamingAMaskedTableWithItsSchema_IsAllowedWithAWarning()
    {
        var spec = Spec();
        spec.Query = "SELECT * FROM Public.Customers WHERE id >= $1 AND id < $2";

        var result = Decide(Create(Alice) with { Spec = spec }, "public.customers");

        result.Verdict.Allowed.Should().BeTrue();
        result.Verdict.AllWarnings.Should().ContainSingle().Which.Should().Contain("name it without the schema (customers)");
    }

    [TestCase("SELECT * FROM customers WHERE id >= $1 AND id < $2")]
    [TestCase("SELECT * FROM public.customers_archive WHERE id >= $1 AND id < $2")]
    public void Create_NotNamingTheMaskedTableQualified_HasNoWarning(string query)
    {
        var spec = Spec();
        spec.Query = query;

        Decide(Create(Alice) with { Spec = spec }, "public.customers").Verdict.AllWarnings.Should().BeEmpty();
    }
}
