using ChunkGate.Sidecar.Tests.Support;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class CopyMaskingTests
{
    private static readonly MaskedColumnSet Columns = new(
        [new((1u, (short)2), MaskingStrategy.Last4), new((1u, (short)3), MaskingStrategy.Redact), new((1u, (short)4), MaskingStrategy.Null)],
        ["ssn", "blob", "card"]);

    private static ResultMasker Masker() =>
        new(new MaskingPolicy([], DetectorKinds.All, Encoding.ASCII.GetBytes("copy-key-copy-key-copy-key")), Columns);

    private static ColumnPlan Plan(ResultMasker masker) => masker.Plan([
        new FieldDescription(1, 1, PgTypeOid.Int4, 4, -1, 0),
        new FieldDescription(1, 2, PgTypeOid.Text, -1, -1, 0),
        new FieldDescription(1, 3, PgTypeOid.Bytea, -1, -1, 0),
        new FieldDescription(1, 4, PgTypeOid.Text, -1, -1, 0),
        new FieldDescription(1, 5, PgTypeOid.Text, -1, -1, 0),
    ]);

    private static (string Row, int Masked) Mask(CopyFormat format, byte delimiter, string row)
    {
        using var masker = Masker();
        var output = new ArrayBufferWriter<byte>();
        var masked = masker.MaskCopyData(Plan(masker), format, delimiter, Encoding.UTF8.GetBytes(row), output);
        if (masked < 0)
        {
            return (string.Empty, masked);
        }

        var message = output.WrittenSpan;
        message[0].Should().Be((byte)'d');
        BinaryPrimitives.ReadInt32BigEndian(message[1..]).Should().Be(message.Length - 1);
        return (Encoding.UTF8.GetString(message[5..]), masked);
    }

    [Test]
    public void MaskCopyData_MasksTextFormatRow_AndEscapesMaskedValues()
    {
        var (row, masked) = Mask(CopyFormat.Text, (byte)'\t', "7\t123-45-6789\t\\\\xdeadbeef\t4111111111111111\tnote: 987-65-4321\n");

        row.Should().Be("7\t*******6789\t\\\\x\t\\N\tnote: ***-**-****\n");
        masked.Should().Be(4);
    }

    [Test]
    public void MaskCopyData_UnescapesBeforeKeepingLastFour()
    {
        var (row, _) = Mask(CopyFormat.Text, (byte)'\t', "1\tab\\tcdef\\\\\t\\N\t\\N\t\\N\n");

        row.Should().Be("1\t****def\\\\\t\\N\t\\N\t\\N\n", "'ab<tab>cdef\\' keeps 'def\\', re-escaped");
    }

    [Test]
    public void MaskCopyData_MasksCsvRow_WithQuotedFields()
    {
        var (row, masked) = Mask(CopyFormat.Csv, (byte)',', "7,\"12,345-6789\",\"\\xdead\",secret,\"a \"\"quoted\"\" alice@example.com\"\n");

        row.Should().Be("7,*******6789,\\x,,\"a \"\"quoted\"\" *****@*******.***\"\n");
        masked.Should().Be(4);
    }

    [Test]
    public void MaskCopyData_KeepsNulls()
    {
        Mask(CopyFormat.Csv, (byte)',', "1,,,,\n").Row.Should().Be("1,,,,\n");
        Mask(CopyFormat.Text, (byte)'|', "1|\\N|\\N|\\N|\\N\n").Row.Should().Be("1|\\N|\\N|\\N|\\N\n");
    }

    [TestCase((int)CopyFormat.Text, "1\t2\t3\n")]
    [TestCase((int)CopyFormat.Text, "1\t2\t3\t4\t5\t6\n")]
    [TestCase((int)CopyFormat.Csv, "1,\"unterminated,3,4,5\n")]
    [TestCase((int)CopyFormat.Binary, "PGCOPY\n")]
    public void MaskCopyData_RejectsRowsThatDoNotMatchThePlan(int formatCode, string row)
    {
        var format = (CopyFormat)formatCode;
        Mask(format, format == CopyFormat.Csv ? (byte)',' : (byte)'\t', row).Masked.Should().Be(ResultMasker.Malformed);
    }

    [TestCase("COPY customers TO STDOUT", "\"customers\"", false, null, (int)CopyFormat.Text, '\t', false)]
    [TestCase("copy public.\"Customers\" (id, \"SSN\") to stdout with (format csv, header true, delimiter ';');", "\"public\".\"Customers\"", false, "\"id\", \"SSN\"", (int)CopyFormat.Csv, ';', true)]
    [TestCase("COPY (SELECT ssn, (1) FROM customers WHERE note = ')') TO STDOUT CSV HEADER", "SELECT ssn, (1) FROM customers WHERE note = ')'", true, null, (int)CopyFormat.Csv, ',', true)]
    [TestCase("COPY (SELECT E'\\')', $q$)$q$ /* ) */ FROM customers) TO STDOUT", "SELECT E'\\')', $q$)$q$ /* ) */ FROM customers", true, null, (int)CopyFormat.Text, '\t', false)]
    [TestCase("COPY t TO STDOUT (FORMAT binary)", "\"t\"", false, null, (int)CopyFormat.Binary, '\t', false)]
    [TestCase("COPY t TO STDOUT WITH DELIMITER '|'", "\"t\"", false, null, (int)CopyFormat.Text, '|', false)]
    [TestCase("COPY t TO STDOUT WITH (FORMAT csv, DELIMITER E'\\t')", "\"t\"", false, null, (int)CopyFormat.Csv, '\t', false)]
    [TestCase("COPY t TO STDOUT WITH (FORMAT csv, HEADER 'off', FORCE_QUOTE *)", "\"t\"", false, null, (int)CopyFormat.Csv, ',', false)]
    [TestCase("COPY t TO STDOUT WITH (FORMAT csv, HEADER /* true */ false)", "\"t\"", false, null, (int)CopyFormat.Csv, ',', false)]
    [TestCase("COPY t TO STDOUT WITH (FORMAT text, HEADER 1)", "\"t\"", false, null, (int)CopyFormat.Text, '\t', true)]
    [TestCase("COPY U&\"\\0074\" TO STDOUT", "\"t\"", false, null, (int)CopyFormat.Text, '\t', false)]
    public void CopyStatement_ParsesCopyToStdout(string statement, string source, bool isQuery, string? columns, int formatCode, char delimiter, bool header)
    {
        var format = (CopyFormat)formatCode;
        CopyStatements.TryParse(statement, out var copy).Should().BeTrue();

        copy.Should().Be(new CopyStatement(source, isQuery, columns, format, (byte)delimiter, header));
    }

    [TestCase("COPY t FROM STDIN")]
    [TestCase("COPY t TO '/tmp/file'")]
    [TestCase("SELECT 1")]
    [TestCase("COPY (SELECT 1 TO STDOUT")]
    [TestCase("COPY t TO STDOUT WITH (FORMAT csv, QUOTE '''')")]
    [TestCase("COPY t TO STDOUT WITH (FORMAT csv, ESCAPE '\\')")]
    [TestCase("COPY t TO STDOUT WITH (NULL 'none')")]
    [TestCase("COPY t TO STDOUT WITH (ENCODING 'LATIN1')")]
    [TestCase("COPY t TO STDOUT WITH (HEADER match)")]
    [TestCase("COPY t TO STDOUT WITH (FORMAT 'CSV')")]
    [TestCase("COPY t TO STDOUT WITH (DELIMITER '||')")]
    [TestCase("COPY t TO STDOUT WITH (FREEZE)")]
    [TestCase("SELECT 1; COPY t TO STDOUT")]
    [TestCase("COPY t TO STDOUT; COPY u TO STDOUT")]
    public void CopyStatement_RejectsOtherStatements(string statement)
    {
        CopyStatements.TryParse(statement, out _).Should().BeFalse();
    }

    [Test]
    public void CopyStatement_DescribeQuery_SelectsTheSameColumns()
    {
        CopyStatements.TryParse("COPY s.t (a, b) TO STDOUT", out var table).Should().BeTrue();
        CopyStatements.TryParse("COPY (SELECT a FROM t) TO STDOUT", out var query).Should().BeTrue();

        table!.DescribeQuery.Should().Be("SELECT \"a\", \"b\" FROM \"s\".\"t\" LIMIT 0");
        query!.DescribeQuery.Should().Be("SELECT * FROM (SELECT a FROM t) AS copy_source LIMIT 0");
    }
}
