using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// One spelling per value for the hash strategy, so a text-format client (psql) and a
/// binary-format client (Npgsql) get the same hash for the same value and joins across them still
/// match: numerics as their text form, floats as their IEEE 754 bits, dates as days and timestamps
/// as microseconds since 2000-01-01 UTC (text is read in the ISO DateStyle PostgreSQL uses by
/// default). Values that do not parse are hashed as they are; so are intervals, whose text form
/// depends on IntervalStyle.
/// </summary>
internal static class CanonicalValue
{
    /// <summary>Longest binary numeric converted (in base-10000 digits); longer ones are hashed raw.</summary>
    private const int MaxNumericDigits = 64;

    private static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] TimestampFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"];

    private static readonly string[] TimestamptzFormats =
        ["yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mm:ss.FFFFFFzz", "yyyy-MM-dd HH:mm:sszzz", "yyyy-MM-dd HH:mm:ss.FFFFFFzzz"];

    /// <summary>Writes the canonical form into <paramref name="destination"/> (at least 8 + 4 × 64 + 16 bytes) and returns its length, or -1 to hash the value as is.</summary>
    public static int Write(uint typeOid, bool binary, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        switch (typeOid)
        {
            case PgTypeOid.Numeric when binary:
                return NumericToText(value, destination);
            case PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Date or PgTypeOid.Timestamp or PgTypeOid.Timestamptz when binary:
                // Fixed-width binary forms are the canonical form already.
                return value.Length == (typeOid is PgTypeOid.Float4 or PgTypeOid.Date ? 4 : 8) ? Copy(value, destination) : -1;
            case PgTypeOid.Float4 or PgTypeOid.Float8:
                return FloatBits(typeOid == PgTypeOid.Float4, value, destination);
            case PgTypeOid.Date:
                if (TryParse(value, ["yyyy-MM-dd"], out var date, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal))
                {
                    BinaryPrimitives.WriteInt32BigEndian(destination, (int)(date - Epoch).TotalDays);
                    return 4;
                }

                return -1;
            case PgTypeOid.Timestamp or PgTypeOid.Timestamptz:
                var formats = typeOid == PgTypeOid.Timestamp ? TimestampFormats : TimestamptzFormats;
                if (TryParse(value, formats, out var timestamp, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal))
                {
                    BinaryPrimitives.WriteInt64BigEndian(destination, (timestamp.Ticks - Epoch.Ticks) / 10);
                    return 8;
                }

                return -1;
            default:
                return -1;
        }
    }

    /// <summary>The IEEE 754 bits of a float's text (PostgreSQL spells NaN and the infinities as .NET's invariant culture does).</summary>
    private static int FloatBits(bool single, ReadOnlySpan<byte> text, Span<byte> destination)
    {
        if (single)
        {
            // Parsed as float, not narrowed from double: double rounding could change the last bit.
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var float4))
            {
                return -1;
            }

            BinaryPrimitives.WriteInt32BigEndian(destination, BitConverter.SingleToInt32Bits(float4));
            return 4;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var float8))
        {
            return -1;
        }

        BinaryPrimitives.WriteInt64BigEndian(destination, BitConverter.DoubleToInt64Bits(float8));
        return 8;
    }

    private static bool TryParse(ReadOnlySpan<byte> utf8, string[] formats, out DateTime result, DateTimeStyles styles)
    {
        result = default;
        if (utf8.Length > 64)
        {
            return false;
        }

        Span<char> text = stackalloc char[64];
        var length = Encoding.ASCII.GetChars(utf8, text);
        return DateTime.TryParseExact(text[..length], formats, CultureInfo.InvariantCulture, styles, out result);
    }

    /// <summary>Binary numeric (ndigits, weight, sign, dscale, base-10000 digits) to PostgreSQL's text output.</summary>
    private static int NumericToText(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (value.Length < 8)
        {
            return -1;
        }

        var digitCount = BinaryPrimitives.ReadInt16BigEndian(value);
        var weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        var scale = BinaryPrimitives.ReadInt16BigEndian(value[6..]);
        if (digitCount is < 0 or > MaxNumericDigits || scale is < 0 or > 4 * MaxNumericDigits || value.Length != 8 + (2 * digitCount)
            || weight is < -MaxNumericDigits or > MaxNumericDigits || sign is not (0x0000 or 0x4000))
        {
            return -1;
        }

        var written = 0;
        if (sign == 0x4000)
        {
            destination[written++] = (byte)'-';
        }

        if (weight < 0)
        {
            destination[written++] = (byte)'0';
        }
        else
        {
            for (var index = 0; index <= weight; index++)
            {
                var digit = Digit(value, digitCount, index);
                if (index == 0)
                {
                    digit.TryFormat(destination[written..], out var first, provider: CultureInfo.InvariantCulture);
                    written += first;
                }
                else
                {
                    digit.TryFormat(destination[written..], out var next, "D4", CultureInfo.InvariantCulture);
                    written += next;
                }
            }
        }

        if (scale > 0)
        {
            destination[written++] = (byte)'.';
            Span<byte> group = stackalloc byte[4];
            for (var produced = 0; produced < scale; produced += 4)
            {
                Digit(value, digitCount, weight + 1 + (produced / 4)).TryFormat(group, out _, "D4", CultureInfo.InvariantCulture);
                var take = Math.Min(4, scale - produced);
                group[..take].CopyTo(destination[written..]);
                written += take;
            }
        }

        return written;
    }

    private static short Digit(ReadOnlySpan<byte> value, int digitCount, int index) =>
        index >= 0 && index < digitCount ? BinaryPrimitives.ReadInt16BigEndian(value[(8 + (2 * index))..]) : (short)0;

    private static int Copy(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        value.CopyTo(destination);
        return value.Length;
    }
}
