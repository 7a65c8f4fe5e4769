using ChunkGate.Api.Jobs;
using ChunkGate.Api.Tests.Builders;
using ChunkGate.Api.Validation;

namespace ChunkGate.Api.Tests.Validation;

public sealed class ChunkJobValidatorTests
{
    [Test]
    public void Validate_AcceptsTheBuilderJob()
    {
        ChunkJobValidator.Validate(ChunkJobs.Export()).Errors.Should().BeEmpty();
    }

    private static IEnumerable<TestCaseData> Invalid()
    {
        TestCaseData Case(string name, Action<ChunkJobSpec> change, params string[] errors) =>
            new TestCaseData(change, errors).SetName($"Validate_Rejects_{name}");

        yield return Case("MissingConnection", s => s.ConnectionRef.Name = "", "spec.connectionRef.name: Required value");
        yield return Case("UndefinedAction", s => s.Action = (JobAction)7, "spec.action: unsupported value 7");
        yield return Case("NoTables", s => s.Tables = [],
            "spec.tables: Required value: at least one schema.table", "spec.chunking.table: \"public.orders\" must be one of spec.tables");
        yield return Case("UnqualifiedTable", s => s.Tables = ["public.orders", "customers"], "spec.tables[1]: must be schema.table, got \"customers\"");
        yield return Case("InjectedTable", s => s.Tables = ["public.orders", "public.x; DROP TABLE y"], "spec.tables[1]: must be schema.table, got \"public.x; DROP TABLE y\"");
        yield return Case("SystemCatalogTable", s => s.Tables = ["public.orders", "pg_catalog.pg_statistic"],
            "spec.tables[1]: table pg_catalog.pg_statistic is in pg_catalog, a system or ChunkGate schema; ChunkGate never grants on it");
        yield return Case("QuotedSystemCatalogTable", s => s.Tables = ["public.orders", "\"pg_catalog\".pg_authid"],
            "spec.tables[1]: table \"pg_catalog\".pg_authid is in pg_catalog, a system or ChunkGate schema; ChunkGate never grants on it");
        yield return Case("InformationSchemaTable", s => s.Tables = ["public.orders", "information_schema.columns"],
            "spec.tables[1]: table information_schema.columns is in information_schema, a system or ChunkGate schema; ChunkGate never grants on it");
        yield return Case("ToastTable", s => s.Tables = ["public.orders", "pg_toast.pg_toast_2619"],
            "spec.tables[1]: table pg_toast.pg_toast_2619 is in pg_toast, a system or ChunkGate schema; ChunkGate never grants on it");
        yield return Case("ChunkGateSchemaTable", s => s.Tables = ["public.orders", "chunkgate.ledger"],
            "spec.tables[1]: table chunkgate.ledger is in chunkgate, a system or ChunkGate schema; ChunkGate never grants on it");
        yield return Case("DuplicateTable", s => s.Tables = ["public.orders", "public.orders"], "spec.tables[1]: Duplicate value: \"public.orders\"");
        yield return Case("ChunkTableOutsideScope", s => s.Chunking.Table = "public.invoices", "spec.chunking.table: \"public.invoices\" must be one of spec.tables");
        yield return Case("BadKeyColumn", s => s.Chunking.KeyColumn = "id; --", "spec.chunking.keyColumn: must be a column name, got \"id; --\"");
        yield return Case("ZeroChunkSize", s => s.Chunking.ChunkSize = 0, "spec.chunking.chunkSize: must be between 1 and 1000000, got 0");
        yield return Case("HugeChunkSize", s => s.Chunking.ChunkSize = 1_000_001, "spec.chunking.chunkSize: must be between 1 and 1000000, got 1000001");
        yield return Case("EmptyQuery", s => s.Query = "", "spec.query: Required value");
        yield return Case("QueryIgnoringBounds", s => s.Query = "SELECT * FROM public.orders",
            "spec.query: must use $1 and $2, the chunk's lower (inclusive) and upper (exclusive) key bounds");
        yield return Case("OversizedQuery", s => s.Query = "SELECT $1, $2 " + new string('x', 65536), "spec.query: Too long: must have at most 65536 characters");
        yield return Case("UndefinedOutputFormat", s => s.Output = new JobOutput { Format = (OutputFormat)5 }, "spec.output.format: unsupported value 5");
        yield return Case("ZeroParallelism", s => s.Parallelism = 0, "spec.parallelism: must be between 1 and 32, got 0");
        yield return Case("NegativeParallelism", s => s.Parallelism = -3, "spec.parallelism: must be between 1 and 32, got -3");
        yield return Case("TooMuchParallelism", s => s.Parallelism = 33, "spec.parallelism: must be between 1 and 32, got 33");
        yield return Case("UnknownDestination", s => s.Output = new JobOutput { Destination = "s3://bucket" }, "spec.output.destination: must be stdout or pvc:<claim>, got \"s3://bucket\"");
        yield return Case("HostPathDestination", s => s.Output = new JobOutput { Destination = "/var/lib/data" }, "spec.output.destination: must be stdout or pvc:<claim>, got \"/var/lib/data\"");
        yield return Case("EmptyClaim", s => s.Output = new JobOutput { Destination = "pvc:" }, "spec.output.destination: invalid claim name \"\": must be a lower-case RFC 1123 subdomain");
        yield return Case("TraversingClaim", s => s.Output = new JobOutput { Destination = "pvc:../other" }, "spec.output.destination: invalid claim name \"../other\": must be a lower-case RFC 1123 subdomain");
        yield return Case("UpperCaseClaim", s => s.Output = new JobOutput { Destination = "pvc:Exports" }, "spec.output.destination: invalid claim name \"Exports\": must be a lower-case RFC 1123 subdomain");
    }

    [TestCaseSource(nameof(Invalid))]
    public void Validate_RejectsWithFieldPath(Action<ChunkJobSpec> change, string[] expected)
    {
        var result = ChunkJobValidator.Validate(ChunkJobs.Export(change));
        result.Errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [TestCase(null)]
    [TestCase(1)]
    [TestCase(32)]
    public void Validate_AcceptsParallelismWithinBounds(int? parallelism)
    {
        var job = ChunkJobs.Export(s => s.Parallelism = parallelism);
        ChunkJobValidator.Validate(job).Errors.Should().BeEmpty();
        JobParallelism.Of(job.Spec).Should().Be(parallelism ?? 1);
    }

    [TestCase(null, "stdout", null)]
    [TestCase("stdout", "stdout", null)]
    [TestCase("pvc:exports", "/output", "exports")]
    [TestCase("pvc:team-a.exports", "/output", "team-a.exports")]
    public void Validate_AcceptsDestinations(string? destination, string runnerOutput, string? claim)
    {
        var job = ChunkJobs.Export(s => s.Output = new JobOutput { Destination = destination });
        ChunkJobValidator.Validate(job).Errors.Should().BeEmpty();
        OutputDestination.ForRunner(job.Spec.Output).Should().Be(runnerOutput);
        OutputDestination.Claim(job.Spec.Output).Should().Be(claim);
    }

    [Test]
    public void Validate_MatchesChunkTableAcrossQuotingStyles()
    {
        var job = ChunkJobs.Export(s =>
        {
            s.Tables = ["\"public\".\"orders\""];
            s.Chunking.Table = "public.orders";
        });
        ChunkJobValidator.Validate(job).Errors.Should().BeEmpty();
    }

    [Test]
    public void ValidateAgainst_RejectsActionTheConnectionDoesNotAllow()
    {
        var job = ChunkJobs.Export(s => s.Action = JobAction.Write);
        var result = ChunkJobValidator.ValidateAgainst(job, DataConnections.OrdersProd());
        result.Errors.Select(e => e.ToString()).Should().Equal(
            "spec.action: \"write\" is not allowed by DataConnection \"orders-prod\" (allowed: read, export)");
    }

    [Test]
    public void ValidateAgainst_AcceptsAllowedAction()
    {
        ChunkJobValidator.ValidateAgainst(ChunkJobs.Export(), DataConnections.OrdersProd()).IsValid.Should().BeTrue();
    }
}
