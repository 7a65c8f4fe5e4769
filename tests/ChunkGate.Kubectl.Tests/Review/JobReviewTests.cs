using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Kubectl.Review;
using static ChunkGate.Kubectl.Tests.Builders.Objects;

namespace ChunkGate.Kubectl.Tests.Review;

public sealed class JobReviewTests
{
    private static readonly MaskingRules Rules = new()
    {
        Columns =
        [
            new ColumnMask { Column = "public.customers.ssn", Strategy = MaskStrategy.Last4 },
            new ColumnMask { Column = "public.orders.card", Strategy = MaskStrategy.Redact },
            new ColumnMask { Column = "\"Sales\".customers.email", Strategy = MaskStrategy.Hash },
        ],
        Detectors = [ValueDetector.Ssn, ValueDetector.Email],
    };

    [Test]
    public void MaskingFor_ShowsOnlyTheRulesOnTheJobsTables_AndEveryDetector()
    {
        var masking = JobReviews.MaskingFor(["public.customers", "\"Sales\".customers"], Rules);

        masking.Columns.Select(c => $"{c.Column} {c.Strategy}").Should().Equal("public.customers.ssn last4", "\"Sales\".customers.email hash");
        masking.Detectors.Should().Equal("ssn", "email");
    }

    [Test]
    public void MaskingFor_TellsQuotedFromUnquotedSchemas() =>
        JobReviews.MaskingFor(["sales.customers"], Rules).Columns.Should().BeEmpty("\"Sales\" is not sales");

    [Test]
    public void Build_GivesTheReviewersPage_WithTheHashTheWebhookBindsTo_AndEachApprovalsStanding()
    {
        var job = Job("export-customers");
        var other = Job("other");
        var review = JobReviews.Build(job, Connection(required: 2, masking: Rules),
        [
            Approval(job, "bob", created: Now.AddMinutes(-3)),
            Approval(job, "carol", specHash: "sha256:" + new string('e', 64), created: Now.AddMinutes(-4)),
            Approval(job, "dave", expiresAt: Now, created: Now.AddMinutes(-2)),
            Approval(job, "erin", phase: ApprovalPhase.Consumed, consumedBy: "r1", created: Now.AddMinutes(-1)),
            Approval(other, "bob"),
            Approval(job, "bob", name: "of-an-earlier-export-customers", jobUid: "uid-0", created: Now.AddMinutes(-20)),
            Approval(job, "frank", name: "unstamped", jobUid: "", created: Now.AddMinutes(-19)),
        ], Now);

        review.SpecHash.Should().Be(Api.Hashing.SpecHash.Of(job)).And.MatchRegex("^sha256:[0-9a-f]{64}$");
        review.Designer.Should().Be("alice");
        review.Query.Should().Contain("WHERE id >= $1");
        review.Connection.RequiredApprovals.Should().Be(2);
        review.Masking.Columns.Should().ContainSingle(c => c.Column == "public.customers.ssn");
        review.Approvals.Select(a => $"{a.Approver}: {a.State}").Should().Equal(
            "bob: stale: approves an earlier ChunkJob of this name (uid uid-0)",
            "frank: stale: no job uid stamp, so it approves no job",
            "carol: void: approves spec sha256:eeeeeeeeeeee, not the current one",
            "bob: current",
            "dave: expired",
            "erin: consumed by run r1");
    }

    [Test]
    public void Build_SaysSo_WhenTheConnectionDoesNotExist()
    {
        var review = JobReviews.Build(Job("j"), null, [], Now);

        review.Connection.Exists.Should().BeFalse();
        review.Masking.Columns.Should().BeEmpty();
    }
}
