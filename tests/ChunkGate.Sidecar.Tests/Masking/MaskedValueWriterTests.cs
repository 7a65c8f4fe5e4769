using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class MaskedValueWriterTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("k3y-for-tests-only-0123456789abc");

    private static byte[]? Write(MaskingStrategy strategy, uint type, bool binary, byte[] value, byte[]? key = null, int typeModifier = -1)
    {
        using var hasher = new ValueHasher(key ?? Key);
        var destination = new byte[Math.Max(value.Length, MaskedValueWriter.MaxOutputLength)];
        var length = MaskedValueWriter.Write(strategy, type, typeModifier, binary, value, destination, hasher);
        return length < 0 ? null : destination.AsSpan(0, length).ToArray();
    }

    private static string? WriteText(MaskingStrategy strategy, uint type, string value, byte[]? key = null) =>
        DataRows.AsText(Write(strategy, type, binary: false, Encoding.UTF8.GetBytes(value), key));

    [TestCase(PgTypeOid.Text, "123-45-6789", "*******6789")]
    [TestCase(PgTypeOid.Varchar, "4111111111111111", "************1111")]
    [TestCase(PgTypeOid.Text, "Zoë Ünïcødé", "*******cødé")]
    [TestCase(PgTypeOid.Text, "abcd", "****")]
    [TestCase(PgTypeOid.Text, "ab", "**")]
    [TestCase(PgTypeOid.Text, "", "")]
    [TestCase(PgTypeOid.Bpchar, "123456789   ", "*****6789   ")]
    [TestCase(PgTypeOid.Name, "secretname", "******name")]
    public void Last4_KeepsLastFourCharacters_OfTextTypes(uint type, string value, string expected)
    {
        WriteText(MaskingStrategy.Last4, type, value).Should().Be(expected);
        DataRows.AsText(Write(MaskingStrategy.Last4, type, binary: true, Encoding.UTF8.GetBytes(value))).Should().Be(expected, "text types are UTF-8 in binary format too");
    }

    [TestCase(PgTypeOid.Int4, "123456789", "6789")]
    [TestCase(PgTypeOid.Int8, "-9876543210", "3210")]
    [TestCase(PgTypeOid.Int2, "42", "42")]
    [TestCase(PgTypeOid.Numeric, "1234567.89", "4567")]
    [TestCase(PgTypeOid.Numeric, "-0.5", "0")]
    public void Last4_KeepsLastFourDigits_OfNumbers_InText(uint type, string value, string expected)
    {
        WriteText(MaskingStrategy.Last4, type, value).Should().Be(expected);
    }

    [Test]
    public void Last4_KeepsLastFourDigits_OfBinaryIntegers()
    {
        var value = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(value, -123456789);

        var masked = Write(MaskingStrategy.Last4, PgTypeOid.Int4, binary: true, value)!;

        masked.Should().HaveCount(4);
        BinaryPrimitives.ReadInt32BigEndian(masked).Should().Be(6789);
    }

    [Test]
    public void Last4_KeepsLastFourDigits_OfBinaryNumeric()
    {
        // 1234567.89 = digits [123, 4567, 8900], weight 1, dscale 2
        var value = Numeric(weight: 1, dscale: 2, 123, 4567, 8900);

        var masked = Write(MaskingStrategy.Last4, PgTypeOid.Numeric, binary: true, value)!;

        DecodeNumeric(masked).Should().Be(4567m);
    }

    [TestCase(PgTypeOid.Text, "REDACTED")]
    [TestCase(PgTypeOid.Varchar, "REDACTED")]
    [TestCase(PgTypeOid.Bpchar, "REDACTED")]
    [TestCase(PgTypeOid.Json, "\"REDACTED\"")]
    [TestCase(PgTypeOid.Jsonb, "\"REDACTED\"")]
    [TestCase(PgTypeOid.Int4, "0")]
    [TestCase(PgTypeOid.Numeric, "0")]
    [TestCase(PgTypeOid.Float8, "0")]
    [TestCase(PgTypeOid.Bool, "f")]
    [TestCase(PgTypeOid.Date, "2000-01-01")]
    [TestCase(PgTypeOid.Timestamp, "2000-01-01 00:00:00")]
    [TestCase(PgTypeOid.Timestamptz, "2000-01-01 00:00:00+00")]
    [TestCase(PgTypeOid.Uuid, "00000000-0000-0000-0000-000000000000")]
    [TestCase(PgTypeOid.Bytea, "\\x")]
    public void Redact_GivesNeutralValueOfTheType_InText(uint type, string expected)
    {
        WriteText(MaskingStrategy.Redact, type, "raw value 123-45-6789").Should().Be(expected);
    }

    [TestCase(PgTypeOid.Int2, 2)]
    [TestCase(PgTypeOid.Int4, 4)]
    [TestCase(PgTypeOid.Int8, 8)]
    [TestCase(PgTypeOid.Float4, 4)]
    [TestCase(PgTypeOid.Float8, 8)]
    [TestCase(PgTypeOid.Date, 4)]
    [TestCase(PgTypeOid.Timestamp, 8)]
    [TestCase(PgTypeOid.Uuid, 16)]
    [TestCase(PgTypeOid.Numeric, 8)]
    [TestCase(PgTypeOid.Bool, 1)]
    public void Redact_GivesValidBinaryValue_OfTheTypesWidth(uint type, int width)
    {
        var masked = Write(MaskingStrategy.Redact, type, binary: true, new byte[width == 8 && type == PgTypeOid.Numeric ? 12 : width])!;

        masked.Should().HaveCount(width).And.OnlyContain(b => b == 0);
    }

    [Test]
    public void Redact_GivesJsonbWithVersionByte_InBinary()
    {
        Write(MaskingStrategy.Redact, PgTypeOid.Jsonb, binary: true, [1, (byte)'{', (byte)'}'])
            .Should().Equal([1, .. "\"REDACTED\""u8.ToArray()]);
    }

    [TestCase(PgTypeOid.Inet)]
    [TestCase(PgTypeOid.TextArray)]
    [TestCase(12345u)]
    public void Redact_GivesNull_ForTypesWithoutAKnownNeutralValue(uint type)
    {
        Write(MaskingStrategy.Redact, type, binary: false, "192.168.0.1"u8.ToArray()).Should().BeNull();
        Write(MaskingStrategy.Hash, type, binary: true, [1, 2, 3]).Should().BeNull();
    }

    [Test]
    public void Null_AlwaysGivesNull()
    {
        Write(MaskingStrategy.Null, PgTypeOid.Text, binary: false, "x"u8.ToArray()).Should().BeNull();
        Write(MaskingStrategy.Null, PgTypeOid.Int4, binary: true, new byte[4]).Should().BeNull();
    }

    [Test]
    public void Hash_IsDeterministicUnderOneKey_SoJoinsStillMatch()
    {
        var first = WriteText(MaskingStrategy.Hash, PgTypeOid.Text, "123-45-6789");
        var again = WriteText(MaskingStrategy.Hash, PgTypeOid.Varchar, "123-45-6789");
        var other = WriteText(MaskingStrategy.Hash, PgTypeOid.Text, "123-45-6780");
        var otherKey = WriteText(MaskingStrategy.Hash, PgTypeOid.Text, "123-45-6789", Encoding.ASCII.GetBytes("another-key-0123456789abcdef"));

        first.Should().MatchRegex("^[0-9a-f]{32}$").And.Be(again).And.NotBe(other).And.NotBe(otherKey);
    }

    [Test]
    public void Hash_OfIntegers_AgreesBetweenTextAndBinary()
    {
        var binaryValue = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(binaryValue, 987654321);

        var fromText = long.Parse(WriteText(MaskingStrategy.Hash, PgTypeOid.Int8, "987654321")!, CultureInfo.InvariantCulture);
        var fromBinary = BinaryPrimitives.ReadInt64BigEndian(Write(MaskingStrategy.Hash, PgTypeOid.Int8, binary: true, binaryValue));

        fromText.Should().Be(fromBinary).And.BeGreaterThanOrEqualTo(0).And.NotBe(987654321);
    }

    [Test]
    public void Hash_OfInt4_StaysInRange()
    {
        for (var value = 0; value < 200; value++)
        {
            var masked = WriteText(MaskingStrategy.Hash, PgTypeOid.Int4, value.ToString(CultureInfo.InvariantCulture))!;
            long.Parse(masked, CultureInfo.InvariantCulture).Should().BeInRange(0, int.MaxValue);
            var small = WriteText(MaskingStrategy.Hash, PgTypeOid.Int2, value.ToString(CultureInfo.InvariantCulture))!;
            long.Parse(small, CultureInfo.InvariantCulture).Should().BeInRange(0, short.MaxValue);
        }
    }

    [Test]
    public void Hash_OfNumericDateAndTimestamps_AgreesBetweenTextAndBinary()
    {
        // 1234567.89: digits [123, 4567, 8900], weight 1, dscale 2; -0.05: [500], weight -1, dscale 2
        DecodeNumeric(Write(MaskingStrategy.Hash, PgTypeOid.Numeric, true, Numeric(1, 2, 123, 4567, 8900))!)
            .Should().Be(decimal.Parse(WriteText(MaskingStrategy.Hash, PgTypeOid.Numeric, "1234567.89")!, CultureInfo.InvariantCulture));
        DecodeNumeric(Write(MaskingStrategy.Hash, PgTypeOid.Numeric, true, NegativeNumeric(-1, 2, 500))!)
            .Should().Be(decimal.Parse(WriteText(MaskingStrategy.Hash, PgTypeOid.Numeric, "-0.05")!, CultureInfo.InvariantCulture));

        var days = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(days, (int)(new DateTime(1985, 7, 14) - new DateTime(2000, 1, 1)).TotalDays);
        var dateFromBinary = BinaryPrimitives.ReadInt32BigEndian(Write(MaskingStrategy.Hash, PgTypeOid.Date, true, days));
        var dateFromText = DateOnly.ParseExact(WriteText(MaskingStrategy.Hash, PgTypeOid.Date, "1985-07-14")!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        new DateOnly(2000, 1, 1).AddDays(dateFromBinary).Should().Be(dateFromText);

        var micros = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(micros, (new DateTime(2024, 5, 1, 8, 0, 0, 500) - new DateTime(2000, 1, 1)).Ticks / 10);
        var fromBinary = BinaryPrimitives.ReadInt64BigEndian(Write(MaskingStrategy.Hash, PgTypeOid.Timestamptz, true, micros));
        var fromText = DateTime.ParseExact(WriteText(MaskingStrategy.Hash, PgTypeOid.Timestamptz, "2024-05-01 10:00:00.5+02")![..^3], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        new DateTime(2000, 1, 1).AddTicks(fromBinary * 10).Should().Be(fromText);
        WriteText(MaskingStrategy.Hash, PgTypeOid.Timestamp, "2024-05-01 08:00:00.5").Should().Be(WriteText(MaskingStrategy.Hash, PgTypeOid.Timestamptz, "2024-05-01 10:00:00.5+02")![..^3]);
    }

    [TestCase(1.5, "1.5")]
    [TestCase(-0.000123, "-0.000123")]
    [TestCase(1e300, "1e+300")]
    [TestCase(double.PositiveInfinity, "Infinity")]
    [TestCase(double.NaN, "NaN")]
    public void Hash_OfFloat8_AgreesBetweenTextAndBinary(double number, string postgresText)
    {
        var bits = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bits, BitConverter.DoubleToInt64Bits(number));

        var fromBinary = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(Write(MaskingStrategy.Hash, PgTypeOid.Float8, true, bits)));
        var fromText = double.Parse(WriteText(MaskingStrategy.Hash, PgTypeOid.Float8, postgresText)!, CultureInfo.InvariantCulture);

        fromBinary.Should().Be(fromText);
        WriteText(MaskingStrategy.Hash, PgTypeOid.Float8, "2.5").Should().NotBe(WriteText(MaskingStrategy.Hash, PgTypeOid.Float8, postgresText));
    }

    [Test]
    public void Hash_OfFloat4_AgreesBetweenTextAndBinary()
    {
        var bits = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bits, BitConverter.SingleToInt32Bits(3.25f));

        var fromBinary = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32BigEndian(Write(MaskingStrategy.Hash, PgTypeOid.Float4, true, bits)));
        var fromText = float.Parse(WriteText(MaskingStrategy.Hash, PgTypeOid.Float4, "3.25")!, CultureInfo.InvariantCulture);

        fromBinary.Should().Be(fromText);
    }

    private static byte[] NegativeNumeric(short weight, short dscale, params short[] digits)
    {
        var value = Numeric(weight, dscale, digits);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(4), 0x4000);
        return value;
    }

    [Test]
    public void Hash_OfUuid_AgreesBetweenTextAndBinary_AndIsAValidUuid()
    {
        var uuid = Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        var text = WriteText(MaskingStrategy.Hash, PgTypeOid.Uuid, uuid.ToString())!;
        var binary = Write(MaskingStrategy.Hash, PgTypeOid.Uuid, binary: true, uuid.ToByteArray(bigEndian: true))!;

        Guid.TryParse(text, out var parsed).Should().BeTrue();
        binary.Should().HaveCount(16);
        new Guid(binary, bigEndian: true).Should().Be(parsed).And.NotBe(uuid);
    }

    [Test]
    public void Hash_OfDate_IsAValidDate_InBothFormats()
    {
        var text = WriteText(MaskingStrategy.Hash, PgTypeOid.Date, "1985-07-14")!;
        var binary = Write(MaskingStrategy.Hash, PgTypeOid.Date, binary: true, [0, 0, 0x12, 0x34])!;

        DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture).Year.Should().BeInRange(2000, 2100);
        binary.Should().HaveCount(4);
        BinaryPrimitives.ReadInt32BigEndian(binary).Should().BeInRange(0, 36_525);
    }

    [Test]
    public void Hash_OfTimestamptz_IsParsableText()
    {
        var text = WriteText(MaskingStrategy.Hash, PgTypeOid.Timestamptz, "2024-05-01 10:00:00+02")!;

        DateTimeOffset.TryParseExact(text, "yyyy-MM-dd HH:mm:ssz", CultureInfo.InvariantCulture, DateTimeStyles.None, out _).Should().BeTrue(text);
    }

    [Test]
    public void Hash_OfNumeric_IsAValidBinaryNumeric()
    {
        var masked = Write(MaskingStrategy.Hash, PgTypeOid.Numeric, binary: true, Numeric(weight: 0, dscale: 2, 12, 3400))!;

        DecodeNumeric(masked).Should().BeInRange(0m, 1_000_000_000_000m);
    }

    [Test]
    public void Hash_OfJsonb_IsAJsonStringWithVersionByte()
    {
        var masked = Write(MaskingStrategy.Hash, PgTypeOid.Jsonb, binary: true, [1, .. "{\"ssn\":\"123-45-6789\"}"u8.ToArray()])!;
        var text = WriteText(MaskingStrategy.Hash, PgTypeOid.Jsonb, "{\"ssn\":\"123-45-6789\"}")!;

        masked[0].Should().Be(1);
        Encoding.UTF8.GetString(masked.AsSpan(1)).Should().Be(text).And.MatchRegex("^\"[0-9a-f]{32}\"$");
    }

    [Test]
    public void Hash_OfBytea_AgreesBetweenHexTextAndBinary()
    {
        var raw = new byte[] { 0xDE, 0xAD, 0xBE, 0xEF };
        var text = WriteText(MaskingStrategy.Hash, PgTypeOid.Bytea, "\\xdeadbeef")!;
        var binary = Write(MaskingStrategy.Hash, PgTypeOid.Bytea, binary: true, raw)!;

        text.Should().Be("\\x" + Convert.ToHexStringLower(binary));
    }

    [Test]
    public void Strategies_RespectVarcharAndCharLengths()
    {
        // typmod of varchar(n)/char(n) is n + 4
        DataRows.AsText(Write(MaskingStrategy.Hash, PgTypeOid.Varchar, false, "123-45-6789"u8.ToArray(), typeModifier: 8 + 4)).Should().MatchRegex("^[0-9a-f]{8}$");
        DataRows.AsText(Write(MaskingStrategy.Redact, PgTypeOid.Bpchar, false, "123456789012"u8.ToArray(), typeModifier: 12 + 4)).Should().Be("REDACTED    ");
        DataRows.AsText(Write(MaskingStrategy.Redact, PgTypeOid.Bpchar, true, "1234"u8.ToArray(), typeModifier: 4 + 4)).Should().Be("REDA");
        DataRows.AsText(Write(MaskingStrategy.Last4, PgTypeOid.Varchar, false, "123456"u8.ToArray(), typeModifier: 6 + 4)).Should().Be("**3456");
    }

    [Test]
    public void Strategies_RespectNumericPrecision()
    {
        const int numeric5Scale2 = ((5 << 16) | 2) + 4;
        for (var value = 0; value < 100; value++)
        {
            var hashed = DataRows.AsText(Write(MaskingStrategy.Hash, PgTypeOid.Numeric, false, Encoding.ASCII.GetBytes($"{value}.25"), typeModifier: numeric5Scale2))!;
            decimal.Parse(hashed, CultureInfo.InvariantCulture).Should().BeLessThan(1000m);
        }

        DataRows.AsText(Write(MaskingStrategy.Last4, PgTypeOid.Numeric, false, "987.65"u8.ToArray(), typeModifier: numeric5Scale2)).Should().Be("987");
    }

    internal static byte[] Numeric(short weight, short dscale, params short[] digits)
    {
        var value = new byte[8 + (2 * digits.Length)];
        BinaryPrimitives.WriteInt16BigEndian(value, (short)digits.Length);
        BinaryPrimitives.WriteInt16BigEndian(value.AsSpan(2), weight);
        BinaryPrimitives.WriteInt16BigEndian(value.AsSpan(6), dscale);
        for (var index = 0; index < digits.Length; index++)
        {
            BinaryPrimitives.WriteInt16BigEndian(value.AsSpan(8 + (2 * index)), digits[index]);
        }

        return value;
    }

    internal static decimal DecodeNumeric(byte[] value)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(value);
        var weight = BinaryPrimitives.ReadInt16BigEndian(value.AsSpan(2));
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(4));
        value.Should().HaveCount(8 + (2 * count), "a binary numeric is its header plus ndigits base-10000 digits");
        sign.Should().BeOneOf((ushort)0, (ushort)0x4000);
        var result = 0m;
        for (var index = 0; index < count; index++)
        {
            var digit = BinaryPrimitives.ReadInt16BigEndian(value.AsSpan(8 + (2 * index)));
            digit.Should().BeInRange((short)0, (short)9999);
            result += digit * (decimal)Math.Pow(10_000, weight - index);
        }

        return sign == 0x4000 ? -result : result;
    }
}
