using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class ResultMaskerTests
{
    private const uint Customers = 16384;
    private const short SsnColumn = 3;
    private const short CardColumn = 4;

    private static ResultMasker Masker(DetectorKinds detectors = DetectorKinds.All, MaskingStrategy ssnStrategy = MaskingStrategy.Last4)
    {
        var policy = new MaskingPolicy([new ColumnRule("public", "customers", "ssn", ssnStrategy)], detectors, Encoding.ASCII.GetBytes("test-key-test-key-test-key"));
        var columns = new MaskedColumnSet(
            [new((Customers, SsnColumn), ssnStrategy), new((Customers, CardColumn), MaskingStrategy.Null)],
            ["ssn", "card"]);
        return new ResultMasker(policy, columns);
    }

    private static FieldDescription Column(uint table, short attnum, uint type, short format = 0) => new(table, attnum, type, -1, -1, format);

    private static (byte[]?[] Values, int Masked) Rewrite(ResultMasker masker, ColumnPlan plan, byte[] body)
    {
        var output = new ArrayBufferWriter<byte>();
        var masked = masker.MaskDataRow(plan, new ReadOnlySequence<byte>(body), output);
        masked.Should().BeGreaterThanOrEqualTo(0);
        return (DataRows.Values(output.WrittenSpan), masked);
    }

    [Test]
    public void Plan_MasksRuleColumns_ScansTextColumns_AndPassesTheRest()
    {
        using var masker = Masker();

        var plan = masker.Plan([
            Column(Customers, 1, PgTypeOid.Int4),
            Column(Customers, SsnColumn, PgTypeOid.Text),
            Column(0, 0, PgTypeOid.Text),
            Column(Customers, 2, PgTypeOid.Timestamptz),
            Column(99999, SsnColumn, PgTypeOid.Text),
        ]);

        plan.Columns.ToArray().Select(column => column.Action).Should().Equal(
            ColumnAction.PassThrough, ColumnAction.Mask, ColumnAction.Scan, ColumnAction.PassThrough, ColumnAction.Scan);
        plan[1].Strategy.Should().Be(MaskingStrategy.Last4);
        plan.NeedsRewrite.Should().BeTrue();
        plan.MaskedColumnCount.Should().Be(1);
        plan.ScannedColumnCount.Should().Be(2);
    }

    [Test]
    public void Plan_NeedsNoRewrite_WhenNothingCanBeMasked()
    {
        using var masker = Masker(DetectorKinds.None);

        var plan = masker.Plan([Column(Customers, 1, PgTypeOid.Int4), Column(0, 0, PgTypeOid.Text)]);

        plan.NeedsRewrite.Should().BeFalse();
        masker.Plan([]).NeedsRewrite.Should().BeFalse();
    }

    [Test]
    public void MaskDataRow_MasksByColumnIdentity_KeepingNullsEmptiesAndOtherColumns()
    {
        using var masker = Masker();
        var plan = masker.Plan([
            Column(Customers, 1, PgTypeOid.Int4),
            Column(Customers, SsnColumn, PgTypeOid.Text),
            Column(Customers, SsnColumn, PgTypeOid.Text),
            Column(Customers, SsnColumn, PgTypeOid.Text),
            Column(Customers, CardColumn, PgTypeOid.Varchar),
            Column(0, 0, PgTypeOid.Text),
        ]);
        var body = DataRows.Body(
            DataRows.Text("42"), DataRows.Text("123-45-6789"), null, [], DataRows.Text("4111111111111111"), DataRows.Text("free text"));

        var (values, masked) = Rewrite(masker, plan, body);

        values.Select(DataRows.AsText).Should().Equal("42", "*******6789", null, "", null, "free text");
        masked.Should().Be(3, "the ssn, the empty ssn and the card were masked; NULL stays NULL without counting");
    }

    [Test]
    public void MaskDataRow_DetectorsCatchExpressionsOverMaskedColumns()
    {
        using var masker = Masker();
        var plan = masker.Plan([Column(0, 0, PgTypeOid.Text), Column(0, 0, PgTypeOid.Json), Column(0, 0, PgTypeOid.Unknown)]);
        var body = DataRows.Body(
            DataRows.Text("123-45-6789"),
            DataRows.Text("{\"ssn\":\"123-45-6789\",\"email\":\"a.b@example.com\"}"),
            DataRows.Text("4111 1111 1111 1111"));

        var (values, masked) = Rewrite(masker, plan, body);

        values.Select(DataRows.AsText).Should().Equal("***-**-****", "{\"ssn\":\"***-**-****\",\"email\":\"*.*@*******.***\"}", "**** **** **** ****");
        masked.Should().Be(3);
    }

    [Test]
    public void MaskDataRow_NullsBinaryArraysAndRecords_WhenDetectorsFindSomething()
    {
        using var masker = Masker();
        var plan = masker.Plan([
            Column(0, 0, PgTypeOid.TextArray, 1), Column(0, 0, PgTypeOid.TextArray, 1), Column(0, 0, PgTypeOid.TextArray, 0), Column(0, 0, PgTypeOid.Jsonb, 1)]);
        byte[] binaryArrayWithSsn = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11, .. "123-45-6789"u8.ToArray()];
        byte[] cleanBinaryArray = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, (byte)'o', (byte)'k'];
        var body = DataRows.Body(binaryArrayWithSsn, cleanBinaryArray, DataRows.Text("{123-45-6789}"), [1, .. "\"123-45-6789\""u8.ToArray()]);

        var (values, masked) = Rewrite(masker, plan, body);

        values[0].Should().BeNull("a binary array is not rewritten in place");
        values[1].Should().Equal(cleanBinaryArray);
        DataRows.AsText(values[2]).Should().Be("{***-**-****}", "text format arrays are plain text");
        values[3].Should().Equal([1, .. "\"***-**-****\""u8.ToArray()]);
        masked.Should().Be(3);
    }

    [Test]
    public void MaskDataRow_WritesValidBinaryValues_ForBinaryColumns()
    {
        using var masker = Masker(ssnStrategy: MaskingStrategy.Redact);
        var columns = new MaskedColumnSet(
            [new((1u, (short)1), MaskingStrategy.Hash), new((1u, (short)2), MaskingStrategy.Last4), new((1u, (short)3), MaskingStrategy.Redact), new((1u, (short)4), MaskingStrategy.Hash)],
            []);
        using var binaryMasker = new ResultMasker(masker.Policy, columns);
        var plan = binaryMasker.Plan([
            Column(1, 1, PgTypeOid.Int4, 1), Column(1, 2, PgTypeOid.Numeric, 1), Column(1, 3, PgTypeOid.Date, 1), Column(1, 4, PgTypeOid.Uuid, 1)]);
        var int4 = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(int4, 31337);
        var body = DataRows.Body(int4, MaskedValueWriterTests.Numeric(1, 0, 12, 3456), [0, 0, 0x20, 0], Guid.NewGuid().ToByteArray(bigEndian: true));

        var (values, masked) = Rewrite(binaryMasker, plan, body);

        masked.Should().Be(4);
        values[0].Should().HaveCount(4);
        BinaryPrimitives.ReadInt32BigEndian(values[0]).Should().BeGreaterThanOrEqualTo(0).And.NotBe(31337);
        MaskedValueWriterTests.DecodeNumeric(values[1]!).Should().Be(3456m);
        values[2].Should().Equal(0, 0, 0, 0);
        values[3].Should().HaveCount(16);
    }

    [Test]
    public void MaskDataRow_HandlesManyColumnsAndLongValues()
    {
        using var masker = Masker();
        var fields = Enumerable.Range(0, 200)
            .Select(index => index % 2 == 0 ? Column(Customers, SsnColumn, PgTypeOid.Text) : Column(0, 0, PgTypeOid.Text))
            .ToArray();
        var plan = masker.Plan(fields);
        var longText = new string('x', 70_000) + " 123-45-6789";
        var values = Enumerable.Range(0, 200).Select(index => index % 2 == 0 ? DataRows.Text("a") : DataRows.Text(longText)).ToArray();

        var (result, masked) = Rewrite(masker, plan, DataRows.Body(values));

        result.Should().HaveCount(200);
        masked.Should().Be(200);
        result.Where((_, index) => index % 2 == 0).Select(DataRows.AsText).Should().AllBe("*");
        result.Where((_, index) => index % 2 == 1).Select(DataRows.AsText).Should().AllSatisfy(text => text.Should().EndWith(" ***-**-****").And.HaveLength(longText.Length));
    }

    [Test]
    public void MaskDataRow_AcceptsBodiesSplitAcrossSegments()
    {
        using var masker = Masker();
        var plan = masker.Plan([Column(Customers, SsnColumn, PgTypeOid.Text), Column(0, 0, PgTypeOid.Text)]);
        var body = DataRows.Body(DataRows.Text("123-45-6789"), DataRows.Text("mail bob@example.org"));
        var sequence = Segments.Split(body, 3);
        var output = new ArrayBufferWriter<byte>();

        masker.MaskDataRow(plan, sequence, output).Should().Be(2);
        DataRows.Values(output.WrittenSpan).Select(DataRows.AsText).Should().Equal("*******6789", "mail ***@*******.***");
    }

    [Test]
    public void MaskDataRow_RejectsMalformedBodies_WithoutWriting()
    {
        using var masker = Masker();
        var plan = masker.Plan([Column(Customers, SsnColumn, PgTypeOid.Text), Column(0, 0, PgTypeOid.Text)]);
        var good = DataRows.Body(DataRows.Text("123-45-6789"), DataRows.Text("x"));
        byte[][] malformed =
        [
            [],
            [0],
            DataRows.Body(DataRows.Text("only one column")),
            good[..^1],
            [.. good, 0],
            DataRows.Body(DataRows.Text("a"), DataRows.Text("b")).Select((b, i) => i is >= 2 and < 6 ? (byte)0x7F : b).ToArray(),
            [0, 2, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 0],
        ];

        foreach (var body in malformed)
        {
            var output = new ArrayBufferWriter<byte>();
            masker.MaskDataRow(plan, new ReadOnlySequence<byte>(body), output).Should().Be(ResultMasker.Malformed);
            output.WrittenCount.Should().Be(0);
        }
    }
}
