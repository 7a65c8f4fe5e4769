using System.Buffers;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>
/// The data path must not allocate per row or per value: these tests count the bytes the current
/// thread allocates while masking many rows after a warm-up, and expect none.
/// </summary>
public sealed class AllocationTests
{
    private static ResultMasker Masker() => new(
        new MaskingPolicy([], DetectorKinds.All, Encoding.ASCII.GetBytes("alloc-key-alloc-key-alloc")),
        new MaskedColumnSet(
            [new((1u, (short)1), MaskingStrategy.Last4), new((1u, (short)2), MaskingStrategy.Hash), new((1u, (short)3), MaskingStrategy.Redact),
             new((1u, (short)4), MaskingStrategy.Hash), new((1u, (short)5), MaskingStrategy.Null)],
            ["a"]));

    private static long AllocatedWhile(Action action)
    {
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void MaskDataRow_AllocatesNothingPerRow()
    {
        using var masker = Masker();
        var plan = masker.Plan([
            new FieldDescription(1, 1, PgTypeOid.Text, -1, -1, 0),
            new FieldDescription(1, 2, PgTypeOid.Text, -1, -1, 0),
            new FieldDescription(1, 3, PgTypeOid.Int4, 4, -1, 1),
            new FieldDescription(1, 4, PgTypeOid.Int8, 8, -1, 1),
            new FieldDescription(1, 5, PgTypeOid.Date, 4, -1, 0),
            new FieldDescription(0, 0, PgTypeOid.Text, -1, -1, 0),
            new FieldDescription(0, 0, PgTypeOid.Jsonb, -1, -1, 1),
            new FieldDescription(2, 1, PgTypeOid.Int4, 4, -1, 1),
        ]);
        var body = new ReadOnlySequence<byte>(DataRows.Body(
            DataRows.Text("123-45-6789"), DataRows.Text("joe@example.com"), [0, 0, 0, 7], [0, 0, 0, 0, 0, 0, 0, 9], DataRows.Text("1990-01-01"),
            DataRows.Text("free text with card 4111 1111 1111 1111 and ssn 987-65-4321 and bob@example.org"),
            [1, .. "{\"mail\":\"x@y.com\"}"u8.ToArray()], [0, 0, 0, 1]));
        var output = new ArrayBufferWriter<byte>(64 * 1024);

        var masked = 0L;
        var allocated = AllocatedWhile(() =>
        {
            for (var row = 0; row < 1_000; row++)
            {
                output.ResetWrittenCount();
                masked += masker.MaskDataRow(plan, body, output);
            }
        });

        allocated.Should().Be(0);
        masked.Should().Be(2 * 1_000 * 7);
    }

    [Test]
    public void Detectors_AllocateNothing()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("lorem ipsum 2024-01-01 phone 555-123-4567 id 12345678901234567890 ", 50)) + "123-45-6789 a@b.com");
        var copy = new byte[text.Length];

        var found = 0L;
        var allocated = AllocatedWhile(() =>
        {
            for (var iteration = 0; iteration < 200; iteration++)
            {
                text.CopyTo(copy, 0);
                found += ValueDetectors.MaskInPlace(copy, DetectorKinds.All);
            }
        });

        allocated.Should().Be(0);
        found.Should().Be(2 * 200 * 2, "the loop runs twice (warm-up, then measured) and finds the SSN and the e-mail each pass");
    }

    [Test]
    public void MaskCopyData_AllocatesNothingPerRow()
    {
        using var masker = Masker();
        var plan = masker.Plan([
            new FieldDescription(1, 1, PgTypeOid.Text, -1, -1, 0),
            new FieldDescription(1, 2, PgTypeOid.Text, -1, -1, 0),
            new FieldDescription(0, 0, PgTypeOid.Text, -1, -1, 0),
        ]);
        var row = "123-45-6789\tjoe@example.com\tnote 987-65-4321\n"u8.ToArray();
        var output = new ArrayBufferWriter<byte>(64 * 1024);

        var masked = 0L;
        var allocated = AllocatedWhile(() =>
        {
            for (var iteration = 0; iteration < 1_000; iteration++)
            {
                output.ResetWrittenCount();
                masked += masker.MaskCopyData(plan, CopyFormat.Text, (byte)'\t', row, output);
            }
        });

        allocated.Should().Be(0);
        masked.Should().Be(2 * 1_000 * 3);
    }
}
