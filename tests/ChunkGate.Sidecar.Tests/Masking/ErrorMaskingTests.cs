using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class ErrorMaskingTests
{
    private static ResultMasker Masker(bool withRules = true) => new(
        new MaskingPolicy([], DetectorKinds.All, Encoding.ASCII.GetBytes("error-key-error-key-error")),
        withRules ? new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Redact)], ["ssn", "tax_id"]) : MaskedColumnSet.Empty);

    private static byte[] Body(params (char Type, string Text)[] fields)
    {
        var bytes = new List<byte>();
        foreach (var (type, text) in fields)
        {
            bytes.Add((byte)type);
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
            bytes.Add(0);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static (Dictionary<char, string> Fields, int Masked) Mask(byte code, byte[] body, bool withRules = true, string clientText = "")
    {
        using var masker = Masker(withRules);
        var output = new ArrayBufferWriter<byte>();
        var masked = masker.MaskErrorOrNotice(code, new ReadOnlySequence<byte>(body), output, Encoding.UTF8.GetBytes(clientText));
        masked.Should().BeGreaterThanOrEqualTo(0);
        var message = output.WrittenSpan;
        message[0].Should().Be(code);
        BinaryPrimitives.ReadInt32BigEndian(message[1..]).Should().Be(message.Length - 1);
        var fields = new Dictionary<char, string>();
        var rest = message[5..];
        while (rest[0] != 0)
        {
            var end = rest.IndexOf((byte)0);
            fields[(char)rest[0]] = Encoding.UTF8.GetString(rest[1..end]);
            rest = rest[(end + 1)..];
        }

        rest.Length.Should().Be(1, "the field list ends with one zero byte and nothing after");
        return (fields, masked);
    }

    [Test]
    public void MaskErrorOrNotice_RedactsUniqueViolationKeyOfMaskedColumn()
    {
        var body = Body(('S', "ERROR"), ('V', "ERROR"), ('C', "23505"),
            ('M', "duplicate key value violates unique constraint \"customers_ssn_key\""),
            ('D', "Key (ssn)=(12345) already exists."), ('s', "public"), ('t', "customers"), ('n', "customers_ssn_key"));

        var (fields, masked) = Mask((byte)'E', body);

        fields['D'].Should().Be("Key (ssn)=(REDACTED) already exists.");
        fields['C'].Should().Be("23505");
        fields['n'].Should().Be("customers_ssn_key");
        fields['M'].Should().Be("duplicate key value violates unique constraint \"REDACTED\"", "the client did not write that name itself");
        masked.Should().Be(2);
    }

    [Test]
    public void MaskErrorOrNotice_RedactsCompositeAndExpressionKeys()
    {
        Mask((byte)'E', Body(('D', "Key (region, lower(tax_id))=(eu, ab-99) already exists."))).Fields['D']
            .Should().Be("Key (region, lower(tax_id))=(REDACTED) already exists.");
    }

    [Test]
    public void MaskErrorOrNotice_KeepsKeysOfUnmaskedColumns()
    {
        Mask((byte)'E', Body(('D', "Key (customer_id)=(42) is not present in table \"customers\".")), clientText: "INSERT INTO orders SELECT 42 -- customers").Fields['D']
            .Should().Be("Key (customer_id)=(42) is not present in table \"customers\".");
    }

    [Test]
    public void MaskErrorOrNotice_RedactsFailingRowTuple_WhenAnyColumnIsMasked()
    {
        var body = Body(('C', "23502"), ('M', "null value in column \"name\" of relation \"customers\" violates not-null constraint"),
            ('D', "Failing row contains (7, null, 98765, x)."));

        Mask((byte)'E', body).Fields['D'].Should().Be("Failing row contains (REDACTED).");
        Mask((byte)'E', body, withRules: false).Fields['D'].Should().Be("Failing row contains (7, null, 98765, x).");
    }

    [Test]
    public void MaskErrorOrNotice_RunsDetectorsOverEveryTextField()
    {
        var body = Body(('S', "NOTICE"), ('C', "00000"), ('M', "processing 123-45-6789"), ('D', "card 4111 1111 1111 1111"),
            ('H', "mail alice@example.com"), ('W', "PL/pgSQL function f() line 3 at RAISE: 987-65-4321"), ('q', "select '555-12-3456'"));

        var (fields, masked) = Mask((byte)'N', body, withRules: false);

        fields['M'].Should().Be("processing ***-**-****");
        fields['D'].Should().Be("card **** **** **** ****");
        fields['H'].Should().Be("mail *****@*******.***");
        fields['W'].Should().EndWith("RAISE: ***-**-****");
        fields['q'].Should().Be("select '***-**-****'");
        masked.Should().Be(5);
    }

    [TestCase("22P02", "invalid input syntax for type integer: \"Xylophobia\"", "", "invalid input syntax for type integer", TestName = "Strict_DataException_KeepsOnlyTheWordsBeforeTheValue")]
    [TestCase("42P01", "relation \"xylophobia\" does not exist", "SELECT diagnosis::regclass FROM t", "relation \"REDACTED\" does not exist", TestName = "Strict_QuotedFragmentTheClientDidNotWrite_IsRedacted")]
    [TestCase("42P01", "relation \"no_such\" does not exist", "SELECT * FROM no_such", "relation \"no_such\" does not exist", TestName = "Strict_QuotedFragmentTheClientWrote_IsKept")]
    [TestCase("P0001", "Xylophobia", "SELECT shout(diagnosis) FROM t", "REDACTED: text raised by function code, withheld by ChunkGate masking", TestName = "Strict_RaiseException_IsWithheld")]
    [TestCase("42P01", "it's 'Xylophobia' and \"x\" unclosed \"", "x", "it's 'REDACTED' and \"x\" unclosed \"", TestName = "Strict_UnbalancedQuotes_AreCopied")]
    public void MaskErrorOrNotice_WithColumnRules_RedactsWhatTheClientDidNotWrite(string sqlState, string message, string clientText, string expected) =>
        Mask((byte)'E', Body(('S', "ERROR"), ('C', sqlState), ('M', message)), clientText: clientText).Fields['M'].Should().Be(expected);

    [Test]
    public void MaskErrorOrNotice_WithColumnRules_WithholdsNoticesFromFunctionCode()
    {
        var (fields, _) = Mask((byte)'N', Body(('S', "NOTICE"), ('C', "00000"), ('M', "seen Xylophobia"), ('W', "PL/pgSQL function murmur(text) line 1 at RAISE")));
        fields['M'].Should().StartWith("REDACTED");
        fields['W'].Should().Be("PL/pgSQL function murmur(text) line 1 at RAISE");
    }

    [Test]
    public void MaskErrorOrNotice_RejectsMalformedBodies()
    {
        using var masker = Masker();
        foreach (var body in new byte[][] { [], [(byte)'M', (byte)'x'], [(byte)'M', (byte)'x', 0], [.. Body(('M', "x")), 1] })
        {
            var output = new ArrayBufferWriter<byte>();
            masker.MaskErrorOrNotice((byte)'E', new ReadOnlySequence<byte>(body), output).Should().Be(ResultMasker.Malformed);
            output.WrittenCount.Should().Be(0);
        }
    }
}
