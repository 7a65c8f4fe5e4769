using ChunkGate.Api.Approvals;
using ChunkGate.Api.Tests.Builders;
using ChunkGate.Api.Validation;

namespace ChunkGate.Api.Tests.Validation;

public sealed class ChunkApprovalValidatorTests
{
    [Test]
    public void Validate_AcceptsTheBuilderApproval()
    {
        ChunkApprovalValidator.Validate(ChunkApprovals.For("export-orders")).Errors.Should().BeEmpty();
    }

    private static IEnumerable<TestCaseData> Invalid()
    {
        TestCaseData Case(string name, Action<ChunkApprovalSpec> change, string error) =>
            new TestCaseData(change, error).SetName($"Validate_Rejects_{name}");

        yield return Case("MissingJob", s => s.JobRef.Name = "", "spec.jobRef.name: Required value");
        yield return Case("MissingTtl", s => s.Ttl = "", "spec.ttl: must be a duration such as 90s, 10m or 1h30m, got an empty value");
        yield return Case("NegativeTtl", s => s.Ttl = "-10m", "spec.ttl: must be positive, got \"-10m\"");
        yield return Case("ZeroTtl", s => s.Ttl = "0m", "spec.ttl: must be positive, got \"0m\"");
        yield return Case("GarbageTtl", s => s.Ttl = "forever", "spec.ttl: invalid duration \"forever\": expected a number at position 1 (durations look like 90s, 10m or 1h30m)");
        yield return Case("MissingReason", s => s.Reason = "  ", "spec.reason: Required value");
        yield return Case("OversizedReason", s => s.Reason = new string('r', 1025), "spec.reason: Too long: must have at most 1024 characters");
        yield return Case("TamperedHash", s => s.JobSpecHash = "sha256:XYZ", "spec.jobSpecHash: must look like sha256:<64 lower-case hex digits>, got \"sha256:XYZ\"");
        yield return Case("UpperCaseHash", s => s.JobSpecHash = "sha256:" + new string('A', 64),
            "spec.jobSpecHash: must look like sha256:<64 lower-case hex digits>, got \"sha256:" + new string('A', 64) + "\"");
    }

    [TestCaseSource(nameof(Invalid))]
    public void Validate_RejectsWithFieldPath(Action<ChunkApprovalSpec> change, string expected)
    {
        var result = ChunkApprovalValidator.Validate(ChunkApprovals.For("export-orders", change: change));
        result.Errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [Test]
    public void Validate_AcceptsWellFormedHash()
    {
        var approval = ChunkApprovals.For("export-orders", change: s => s.JobSpecHash = "sha256:" + new string('a', 64));
        ChunkApprovalValidator.Validate(approval).IsValid.Should().BeTrue();
    }

    [TestCase("15m", true)]
    [TestCase("14m59s", true)]
    [TestCase("900s", true)]
    [TestCase("15m1s", false)]
    [TestCase("1h", false)]
    public void ValidateAgainst_CapsTtlAtMaxTtl(string ttl, bool valid)
    {
        var result = ChunkApprovalValidator.ValidateAgainst(ChunkApprovals.For("export-orders", ttl), DataConnections.OrdersProd());
        result.IsValid.Should().Be(valid);
        if (!valid)
        {
            result.Errors.Select(e => e.ToString()).Should().Equal(
                $"spec.ttl: must be at most maxTTL 15m of DataConnection \"orders-prod\", got {ttl}");
        }
    }
}
