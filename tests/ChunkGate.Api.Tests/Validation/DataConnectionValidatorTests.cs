using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Tests.Builders;
using ChunkGate.Api.Validation;

namespace ChunkGate.Api.Tests.Validation;

public sealed class DataConnectionValidatorTests
{
    [Test]
    public void Validate_AcceptsTheBuilderConnection()
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd());
        result.Errors.Should().BeEmpty();
        result.Warnings.Should().BeEmpty();
    }

    private static IEnumerable<TestCaseData> Invalid()
    {
        TestCaseData Case(string name, Action<DataConnectionSpec> change, string error) =>
            new TestCaseData(change, error).SetName($"Validate_Rejects_{name}");

        yield return Case("MissingHost", s => s.Endpoint.Host = "", "spec.endpoint.host: Required value");
        yield return Case("PortZero", s => s.Endpoint.Port = 0, "spec.endpoint.port: must be between 1 and 65535, got 0");
        yield return Case("PortTooHigh", s => s.Endpoint.Port = 70000, "spec.endpoint.port: must be between 1 and 65535, got 70000");
        yield return Case("MissingDatabase", s => s.Endpoint.Database = " ", "spec.endpoint.database: Required value");
        yield return Case("MissingAdminSecret", s => s.AdminSecretRef.Name = "", "spec.adminSecretRef.name: Required value");
        yield return Case("BadAdminSecretName", s => s.AdminSecretRef.Name = "Admin_Secret",
            "spec.adminSecretRef.name: invalid name \"Admin_Secret\": must be a lower-case RFC 1123 subdomain (letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters)");
        yield return Case("GarbageMaxTtl", s => s.MaxTTL = "soon", "spec.maxTTL: invalid duration \"soon\": expected a number at position 1 (durations look like 90s, 10m or 1h30m)");
        yield return Case("NegativeMaxTtl", s => s.MaxTTL = "-15m", "spec.maxTTL: must be positive, got \"-15m\"");
        yield return Case("ZeroMaxTtl", s => s.MaxTTL = "0s", "spec.maxTTL: must be positive, got \"0s\"");
        yield return Case("HugeMaxTtl", s => s.MaxTTL = "48h", "spec.maxTTL: must be at most 24h, got 48h");
        yield return Case("NoActions", s => s.AllowedActions = [], "spec.allowedActions: Required value: at least one action");
        yield return Case("DuplicateAction", s => s.AllowedActions = [JobAction.Read, JobAction.Read], "spec.allowedActions[1]: Duplicate value: \"read\"");
        yield return Case("UndefinedAction", s => s.AllowedActions = [(JobAction)42], "spec.allowedActions[0]: unsupported value 42");
        yield return Case("NoDesignerGroups", s => s.DesignerGroups = [], "spec.designerGroups: Required value: at least one group");
        yield return Case("NoExecutorGroups", s => s.ExecutorGroups = [], "spec.executorGroups: Required value: at least one group");
        yield return Case("EmptyGroupName", s => s.ExecutorGroups = ["ops", ""], "spec.executorGroups[1]: Required value");
        yield return Case("ZeroApprovals", s => s.RequiredApprovals = 0, "spec.requiredApprovals: must be between 1 and 5, got 0");
        yield return Case("TooManyApprovals", s => s.RequiredApprovals = 6, "spec.requiredApprovals: must be between 1 and 5, got 6");
        yield return Case("TwoPartMaskColumn", s => s.Masking!.Columns[0].Column = "customers.ssn",
            "spec.masking.columns[0].column: must be schema.table.column, got \"customers.ssn\" (unquoted identifiers are lower-case; quote others, e.g. public.\"Customers\".ssn)");
        yield return Case("UpperCaseUnquotedMaskColumn", s => s.Masking!.Columns[0].Column = "public.Customers.ssn",
            "spec.masking.columns[0].column: must be schema.table.column, got \"public.Customers.ssn\" (unquoted identifiers are lower-case; quote others, e.g. public.\"Customers\".ssn)");
        yield return Case("DuplicateMaskColumn", s => s.Masking!.Columns.Add(new ColumnMask { Column = "public.customers.ssn", Strategy = MaskStrategy.Hash }),
            "spec.masking.columns[1]: Duplicate value: \"public.customers.ssn\"");
        yield return Case("UndefinedStrategy", s => s.Masking!.Columns[0].Strategy = (MaskStrategy)9, "spec.masking.columns[0].strategy: unsupported value 9");
        yield return Case("DuplicateDetector", s => s.Masking!.Detectors = [ValueDetector.Email, ValueDetector.Email], "spec.masking.detectors[1]: Duplicate value: \"email\"");
    }

    [TestCaseSource(nameof(Invalid))]
    public void Validate_RejectsWithFieldPath(Action<DataConnectionSpec> change, string expected)
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd(change));
        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [Test]
    public void Validate_ReportsEveryProblemAtOnce()
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd(s =>
        {
            s.Endpoint.Host = "";
            s.MaxTTL = "-1m";
            s.ExecutorGroups = [];
        }));
        result.Errors.Select(e => e.Path).Should().Equal("spec.endpoint.host", "spec.maxTTL", "spec.executorGroups");
    }

    [Test]
    public void Validate_AcceptsQuotedMixedCaseColumns()
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd(s => s.Masking!.Columns[0].Column = "\"Sales\".\"Customers\".\"SSN\""));
        result.Errors.Should().BeEmpty();
    }

    [Test]
    public void Validate_WarnsWhenAGroupBothDesignsAndApproves()
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd(s => s.ExecutorGroups = ["chunkgate:designers"]));
        result.IsValid.Should().BeTrue();
        result.Warnings.Select(w => w.ToString()).Should().Equal(
            "spec.executorGroups: group \"chunkgate:designers\" is also a designer group: its members can approve jobs designed by others in it (never their own)");
    }

    [Test]
    public void Validate_WarnsWhenTlsIsDisabled()
    {
        var result = DataConnectionValidator.Validate(DataConnections.OrdersProd(s => s.Endpoint.SslMode = SslMode.Disable));
        result.IsValid.Should().BeTrue();
        result.Warnings.Should().ContainSingle().Which.Path.Should().Be("spec.endpoint.sslMode");
    }
}
