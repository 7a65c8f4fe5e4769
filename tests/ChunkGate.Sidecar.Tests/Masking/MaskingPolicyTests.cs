using System.Text;
using System.Text.Json;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class MaskingPolicyTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef\n");

    private static MaskingPolicy Parse(string json) =>
        MaskingPolicy.Parse(JsonDocument.Parse(json).RootElement, path => path == "/keys/mask" ? Key : throw new FileNotFoundException(path));

    [Test]
    public void Parse_ReadsColumnsDetectorsAndKey()
    {
        var policy = Parse("""
            { "columns": [ { "column": "public.customers.ssn", "strategy": "last4" },
                           { "column": "public.customers.email", "strategy": "hash" } ],
              "detectors": ["ssn", "email"],
              "hashKeyFile": "/keys/mask" }
            """);

        policy.Columns.Should().Equal(
            new ColumnRule("public", "customers", "ssn", MaskingStrategy.Last4),
            new ColumnRule("public", "customers", "email", MaskingStrategy.Hash));
        policy.Detectors.Should().Be(DetectorKinds.Ssn | DetectorKinds.Email);
        policy.HashKey.ToArray().Should().Equal(Key, "every byte of the key file is key material, a trailing newline included: the views hash with all of them");
    }

    [Test]
    public void Parse_EnablesEveryDetector_WhenDetectorsAreNotListed()
    {
        Parse("""{ "columns": [] }""").Detectors.Should().Be(DetectorKinds.All);
    }

    [Test]
    public void Parse_DisablesDetectors_WhenListIsEmpty()
    {
        var policy = Parse("""{ "detectors": [] }""");

        policy.Detectors.Should().Be(DetectorKinds.None);
        policy.IsEmpty.Should().BeTrue();
    }

    [Test]
    public void Parse_GivesNone_ForMissingSection()
    {
        MaskingPolicy.Parse(default).Should().BeSameAs(MaskingPolicy.None);
        MaskingPolicy.Parse(JsonDocument.Parse("null").RootElement).Should().BeSameAs(MaskingPolicy.None);
    }

    [Test]
    public void Parse_FoldsUnquotedNamesAndKeepsQuotedOnes()
    {
        var policy = Parse("""{ "columns": [ { "column": "Sales.\"Customer Data\".\"SSN\"", "strategy": "null" } ] }""");

        policy.Columns.Single().Should().Be(new ColumnRule("sales", "Customer Data", "SSN", MaskingStrategy.Null));
    }

    [TestCase("""{ "columns": [ { "column": "customers.ssn", "strategy": "redact" } ] }""", "masking.columns[0].column", "three parts")]
    [TestCase("""{ "columns": [ { "column": "a.b.c.d", "strategy": "redact" } ] }""", "masking.columns[0].column", "three parts")]
    [TestCase("""{ "columns": [ { "column": "a..c", "strategy": "redact" } ] }""", "masking.columns[0].column", "schema.table.column")]
    [TestCase("""{ "columns": [ { "column": "a.\"b.c", "strategy": "redact" } ] }""", "masking.columns[0].column", "unterminated")]
    [TestCase("""{ "columns": [ { "column": "a.b.c", "strategy": "scramble" } ] }""", "masking.columns[0].strategy", "unknown strategy 'scramble'")]
    [TestCase("""{ "columns": [ { "column": "a.b.c" } ] }""", "masking.columns[0].strategy", "is required")]
    [TestCase("""{ "columns": [ { "strategy": "redact" } ] }""", "masking.columns[0].column", "is required")]
    [TestCase("""{ "columns": [ { "column": 3, "strategy": "redact" } ] }""", "masking.columns[0].column", "must be a string")]
    [TestCase("""{ "columns": [ { "column": "a.b.c", "strategy": "redact", "extra": 1 } ] }""", "masking.columns[0].extra", "unknown field")]
    [TestCase("""{ "columns": [ { "column": "a.b.c", "strategy": "redact" }, { "column": "A.B.C", "strategy": "null" } ] }""", "masking.columns[1].column", "listed twice")]
    [TestCase("""{ "columns": {} }""", "masking.columns", "must be an array")]
    [TestCase("""{ "detectors": ["ssn", "iban"] }""", "masking.detectors[1]", "unknown detector")]
    [TestCase("""{ "columns": [ { "column": "a.b.c", "strategy": "hash" } ] }""", "masking.hashKeyFile", "required when a column uses the hash strategy")]
    [TestCase("""{ "hashKeyFile": "/missing" }""", "masking.hashKeyFile", "cannot read '/missing'")]
    [TestCase("""{ "colums": [] }""", "masking.colums", "unknown field")]
    [TestCase("""[]""", "masking", "must be an object")]
    public void Parse_RejectsInvalidSection_WithPathAndReason(string json, string path, string reason)
    {
        var parse = () => Parse(json);

        parse.Should().Throw<MaskingPolicyException>()
            .Where(exception => exception.Path == path && exception.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Test]
    public void Parse_RejectsShortKey_WithoutPrintingIt()
    {
        var parse = () => MaskingPolicy.Parse(JsonDocument.Parse("""{ "hashKeyFile": "/k" }""").RootElement, _ => Encoding.ASCII.GetBytes("sekrit\n"));

        parse.Should().Throw<MaskingPolicyException>()
            .Where(exception => exception.Message.Contains("at least 16", StringComparison.Ordinal) && !exception.Message.Contains("sekrit", StringComparison.Ordinal));
    }
}
