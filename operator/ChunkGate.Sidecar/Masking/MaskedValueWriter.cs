using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Produces the masked replacement of one value: always a valid value of the column's type in the
/// format the client asked for (text or binary), or NULL (-1) when no such value can be made.
/// Allocates nothing.
/// </summary>
internal static class MaskedValueWriter
{
    /// <summary>
    /// Output never exceeds <c>max(input length, MaxOutputLength)</c>; callers size the destination
    /// to that.
    /// </summary>
    public const int MaxOutputLength = 96;

    public const int Null = -1;

    private static readonly DateOnly PostgresEpochDate = new(2000, 1, 1);
    private static readonly DateTime PostgresEpoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Writes the masked value; returns its length, or <see cref="Null"/> for SQL NULL.</summary>
    /// <param name="strategy">The column rule's strategy.</param>
    /// <param name="typeOid">The column's type.</param>
    /// <param name="typeModifier">The column's typmod (-1 when none): varchar(n)/char(n) lengths and numeric(p,s) ranges are respected so the value could even be written back.</param>
    /// <param name="binary">Binary (true) or text format.</param>
    /// <param name="value">The raw value (never NULL: NULL stays NULL without asking).</param>
    /// <param name="destination">At least <c>max(value.Length, MaxOutputLength)</c> bytes.</param>
    /// <param name="hasher">The connection's keyed hasher.</param>
    public static int Write(MaskingStrategy strategy, uint typeOid, int typeModifier, bool binary, ReadOnlySpan<byte> value, Span<byte> destination, ValueHasher hasher)
    {
        var written = strategy switch
        {
            MaskingStrategy.Redact => WriteRedacted(typeOid, binary, destination),
            MaskingStrategy.Last4 => WriteLast4(typeOid, typeModifier, binary, value, destination),
            MaskingStrategy.Hash => WriteHashed(typeOid, typeModifier, binary, value, destination, hasher),
            _ => Null,
        };

        return written > 0 && typeOid is PgTypeOid.Varchar or PgTypeOid.Bpchar && typeModifier > 4 && strategy != MaskingStrategy.Last4
            ? FitCharacterLength(typeOid == PgTypeOid.Bpchar, typeModifier - 4, destination, written)
            : written;
    }

    /// <summary>Redacted and hashed texts are ASCII: cut them to varchar(n)/char(n), and pad char(n) as PostgreSQL does.</summary>
    private static int FitCharacterLength(bool pad, int maxCharacters, Span<byte> destination, int written)
    {
        if (written > maxCharacters)
        {
            return maxCharacters;
        }

        if (pad && written < maxCharacters && destination.Length >= maxCharacters)
        {
            destination[written..maxCharacters].Fill((byte)' ');
            return maxCharacters;
        }

        return written;
    }

    /// <summary>Largest integer a numeric(p,s) column holds (p - s integer digits); no limit without a typmod.</summary>
    private static long NumericModulus(uint typeOid, int typeModifier)
    {
        if (typeOid != PgTypeOid.Numeric || typeModifier < 4)
        {
            return long.MaxValue;
        }

        var precision = ((typeModifier - 4) >> 16) & 0xFFFF;
        var scale = (short)((typeModifier - 4) & 0xFFFF);
        var integerDigits = Math.Clamp(precision - scale, 0, 18);
        var modulus = 1L;
        for (var digit = 0; digit < integerDigits; digit++)
        {
            modulus *= 10;
        }

        return modulus;
    }

    private static int WriteRedacted(uint typeOid, bool binary, Span<byte> destination)
    {
        switch (typeOid)
        {
            case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Unknown or PgTypeOid.Xml:
                return Copy("REDACTED"u8, destination);
            case PgTypeOid.Json:
                return Copy("\"REDACTED\""u8, destination);
            case PgTypeOid.Jsonb:
                return binary ? Jsonb("\"REDACTED\""u8, destination) : Copy("\"REDACTED\""u8, destination);
            case PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid
                or PgTypeOid.Float4 or PgTypeOid.Float8 or PgTypeOid.Numeric:
                return WriteNumber(typeOid, binary, 0, destination);
            case PgTypeOid.Bool:
                return binary ? Zeros(1, destination) : Copy("f"u8, destination);
            case PgTypeOid.Date:
                return binary ? Zeros(4, destination) : Copy("2000-01-01"u8, destination);
            case PgTypeOid.Time:
                return binary ? Zeros(8, destination) : Copy("00:00:00"u8, destination);
            case PgTypeOid.Timestamp:
                return binary ? Zeros(8, destination) : Copy("2000-01-01 00:00:00"u8, destination);
            case PgTypeOid.Timestamptz:
                return binary ? Zeros(8, destination) : Copy("2000-01-01 00:00:00+00"u8, destination);
            case PgTypeOid.Interval:
                return binary ? Zeros(16, destination) : Copy("00:00:00"u8, destination);
            case PgTypeOid.Uuid:
                return binary ? Zeros(16, destination) : Copy("00000000-0000-0000-0000-000000000000"u8, destination);
            case PgTypeOid.Bytea:
                return binary ? 0 : Copy("\\x"u8, destination);
            default:
                return Null;
        }
    }

    private static int WriteLast4(uint typeOid, int typeModifier, bool binary, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        switch (typeOid)
        {
            case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Unknown:
                return WriteLast4Text(value, typeOid == PgTypeOid.Bpchar, destination);
            case PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8:
                return TryReadInteger(typeOid, binary, value, out var number)
                    ? WriteNumber(typeOid, binary, (number == long.MinValue ? 0 : Math.Abs(number)) % 10_000, destination)
                    : WriteRedacted(typeOid, binary, destination);
            case PgTypeOid.Numeric:
                return WriteNumber(typeOid, binary, NumericLastFourDigits(binary, value) % NumericModulus(typeOid, typeModifier), destination);
            default:
                return WriteRedacted(typeOid, binary, destination);
        }
    }

    private static int WriteHashed(uint typeOid, int typeModifier, bool binary, ReadOnlySpan<byte> value, Span<byte> destination, ValueHasher hasher)
    {
        Span<byte> hash = stackalloc byte[ValueHasher.HashLength];
        switch (typeOid)
        {
            case PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar or PgTypeOid.Name or PgTypeOid.Unknown or PgTypeOid.Xml:
                hasher.Hash(value, hash);
                return Hex(hash[..16], destination);
            case PgTypeOid.Json or PgTypeOid.Jsonb:
            {
                // jsonb in binary is a version byte followed by the same text as the text format.
                var json = typeOid == PgTypeOid.Jsonb && binary && value.Length > 0 ? value[1..] : value;
                hasher.Hash(json, hash);
                var offset = typeOid == PgTypeOid.Jsonb && binary ? 1 : 0;
                if (offset == 1)
                {
                    destination[0] = 1;
                }

                destination[offset] = (byte)'"';
                var written = Hex(hash[..16], destination[(offset + 1)..]);
                destination[offset + 1 + written] = (byte)'"';
                return offset + written + 2;
            }

            case PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid:
            {
                if (!TryReadInteger(typeOid, binary, value, out var number))
                {
                    return WriteRedacted(typeOid, binary, destination);
                }

                // Hash the number, not its spelling, so text and binary clients agree.
                Span<byte> canonical = stackalloc byte[8];
                BinaryPrimitives.WriteInt64BigEndian(canonical, number);
                var hashed = hasher.HashToInt64(canonical);
                var bounded = typeOid switch
                {
                    PgTypeOid.Int2 => hashed % (short.MaxValue + 1L),
                    PgTypeOid.Int4 or PgTypeOid.Oid => hashed % (int.MaxValue + 1L),
                    _ => hashed,
                };
                return WriteNumber(typeOid, binary, bounded, destination);
            }

            case PgTypeOid.Numeric or PgTypeOid.Float4 or PgTypeOid.Float8:
                return WriteNumber(typeOid, binary, HashCanonical(typeOid, binary, value, hasher) % Math.Min(1_000_000_000_000L, NumericModulus(typeOid, typeModifier)), destination);
            case PgTypeOid.Bool:
            {
                var flag = (hasher.HashToInt64(value) & 1) == 1;
                return binary ? One((byte)(flag ? 1 : 0), destination) : One(flag ? (byte)'t' : (byte)'f', destination);
            }

            case PgTypeOid.Date:
            {
                var days = (int)(HashCanonical(typeOid, binary, value, hasher) % 36_525);
                if (binary)
                {
                    BinaryPrimitives.WriteInt32BigEndian(destination, days);
                    return 4;
                }

                PostgresEpochDate.AddDays(days).TryFormat(destination, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                return written;
            }

            case PgTypeOid.Timestamp or PgTypeOid.Timestamptz:
            {
                var seconds = HashCanonical(typeOid, binary, value, hasher) % (36_525L * 86_400);
                if (binary)
                {
                    BinaryPrimitives.WriteInt64BigEndian(destination, seconds * 1_000_000);
                    return 8;
                }

                PostgresEpoch.AddSeconds(seconds).TryFormat(destination, out var written, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                return typeOid == PgTypeOid.Timestamptz ? written + Copy("+00"u8, destination[written..]) : written;
            }

            case PgTypeOid.Uuid:
            {
                Span<byte> canonical = stackalloc byte[16];
                if (!TryReadUuid(binary, value, canonical))
                {
                    return WriteRedacted(typeOid, binary, destination);
                }

                hasher.Hash(canonical, hash);
                return binary ? Copy(hash[..16], destination) : FormatUuid(hash[..16], destination);
            }

            case PgTypeOid.Bytea:
                HashBytea(binary, value, hasher, hash);
                if (binary)
                {
                    return Copy(hash, destination);
                }

                destination[0] = (byte)'\\';
                destination[1] = (byte)'x';
                return 2 + Hex(hash, destination[2..]);
            default:
                return WriteRedacted(typeOid, binary, destination);
        }
    }

    /// <summary>Hashes the value's canonical spelling (see <see cref="CanonicalValue"/>) so both formats agree.</summary>
    private static long HashCanonical(uint typeOid, bool binary, ReadOnlySpan<byte> value, ValueHasher hasher)
    {
        Span<byte> canonical = stackalloc byte[8 + (4 * 64) + 32];
        var length = CanonicalValue.Write(typeOid, binary, value, canonical);
        return hasher.HashToInt64(length < 0 ? value : canonical[..length]);
    }

    /// <summary>Stars for every character but the last four (UTF-8 aware); bpchar padding is kept as padding.</summary>
    private static int WriteLast4Text(ReadOnlySpan<byte> value, bool isBpchar, Span<byte> destination)
    {
        var padding = 0;
        if (isBpchar)
        {
            while (padding < value.Length && value[value.Length - 1 - padding] == (byte)' ')
            {
                padding++;
            }
        }

        var content = value[..^padding];
        var characters = CountCodePoints(content);
        var keptCharacters = characters > 4 ? 4 : 0;
        var keptStart = content.Length;
        for (var kept = 0; kept < keptCharacters; kept++)
        {
            keptStart--;
            while (keptStart > 0 && (content[keptStart] & 0xC0) == 0x80)
            {
                keptStart--;
            }
        }

        var stars = characters - keptCharacters;
        destination[..stars].Fill((byte)'*');
        content[keptStart..].CopyTo(destination[stars..]);
        var length = stars + content.Length - keptStart;
        destination.Slice(length, padding).Fill((byte)' ');
        return length + padding;
    }

    private static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    private static bool TryReadInteger(uint typeOid, bool binary, ReadOnlySpan<byte> value, out long number)
    {
        if (!binary)
        {
            return Utf8Parser.TryParse(value, out number, out var consumed) && consumed == value.Length;
        }

        switch (typeOid)
        {
            case PgTypeOid.Int2 when value.Length == 2:
                number = BinaryPrimitives.ReadInt16BigEndian(value);
                return true;
            case PgTypeOid.Int4 when value.Length == 4:
                number = BinaryPrimitives.ReadInt32BigEndian(value);
                return true;
            case PgTypeOid.Oid when value.Length == 4:
                number = BinaryPrimitives.ReadUInt32BigEndian(value);
                return true;
            case PgTypeOid.Int8 when value.Length == 8:
                number = BinaryPrimitives.ReadInt64BigEndian(value);
                return true;
            default:
                number = 0;
                return false;
        }
    }

    /// <summary>The integer part modulo 10 000 of a numeric (text or binary); 0 for NaN, infinities or garbage.</summary>
    private static long NumericLastFourDigits(bool binary, ReadOnlySpan<byte> value)
    {
        if (binary)
        {
            // ndigits, weight, sign, dscale, then base-10000 digits: the digit of weight 0 is exactly
            // the integer part modulo 10 000.
            if (value.Length < 8)
            {
                return 0;
            }

            var digitCount = BinaryPrimitives.ReadInt16BigEndian(value);
            var weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
            var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
            if (sign is not (0x0000 or 0x4000) || weight < 0 || weight >= digitCount || value.Length < 8 + (2 * digitCount))
            {
                return 0;
            }

            return BinaryPrimitives.ReadInt16BigEndian(value[(8 + (2 * weight))..]);
        }

        var end = value.IndexOf((byte)'.');
        var integerPart = end < 0 ? value : value[..end];
        long result = 0;
        var scale = 1;
        for (var index = integerPart.Length - 1; index >= 0 && scale <= 1000; index--)
        {
            var c = integerPart[index];
            if ((uint)(c - '0') > 9)
            {
                break;
            }

            result += (c - '0') * scale;
            scale *= 10;
        }

        return result;
    }

    private static int WriteNumber(uint typeOid, bool binary, long number, Span<byte> destination)
    {
        if (!binary)
        {
            Utf8Formatter.TryFormat(number, destination, out var written);
            return written;
        }

        switch (typeOid)
        {
            case PgTypeOid.Int2:
                BinaryPrimitives.WriteInt16BigEndian(destination, (short)number);
                return 2;
            case PgTypeOid.Int4:
                BinaryPrimitives.WriteInt32BigEndian(destination, (int)number);
                return 4;
            case PgTypeOid.Oid:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)number);
                return 4;
            case PgTypeOid.Int8:
                BinaryPrimitives.WriteInt64BigEndian(destination, number);
                return 8;
            case PgTypeOid.Float4:
                BinaryPrimitives.WriteSingleBigEndian(destination, number);
                return 4;
            case PgTypeOid.Float8:
                BinaryPrimitives.WriteDoubleBigEndian(destination, number);
                return 8;
            default:
                return WriteBinaryNumeric(number, destination);
        }
    }

    /// <summary>A non-negative integer as a binary numeric: base-10000 digits, weight = digits - 1.</summary>
    private static int WriteBinaryNumeric(long number, Span<byte> destination)
    {
        Span<short> digits = stackalloc short[5];
        var count = 0;
        for (var rest = number; rest > 0; rest /= 10_000)
        {
            digits[count++] = (short)(rest % 10_000);
        }

        BinaryPrimitives.WriteInt16BigEndian(destination, (short)count);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)(count == 0 ? 0 : count - 1));
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 0);
        BinaryPrimitives.WriteInt16BigEndian(destination[6..], 0);
        for (var index = 0; index < count; index++)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[(8 + (2 * index))..], digits[count - 1 - index]);
        }

        return 8 + (2 * count);
    }

    private static bool TryReadUuid(bool binary, ReadOnlySpan<byte> value, Span<byte> uuid)
    {
        if (binary)
        {
            if (value.Length != 16)
            {
                return false;
            }

            value.CopyTo(uuid);
            return true;
        }

        // PostgreSQL accepts braces and missing dashes on input but always outputs the canonical form.
        var written = 0;
        var high = -1;
        foreach (var c in value)
        {
            if (c is (byte)'-' or (byte)'{' or (byte)'}')
            {
                continue;
            }

            var nibble = HexValue(c);
            if (nibble < 0 || written == 16)
            {
                return false;
            }

            if (high < 0)
            {
                high = nibble;
            }
            else
            {
                uuid[written++] = (byte)((high << 4) | nibble);
                high = -1;
            }
        }

        return written == 16 && high < 0;
    }

    private static void HashBytea(bool binary, ReadOnlySpan<byte> value, ValueHasher hasher, Span<byte> hash)
    {
        if (binary || value.Length < 2 || value[0] != (byte)'\\' || value[1] != (byte)'x' || value.Length % 2 != 0)
        {
            hasher.Hash(value, hash);
            return;
        }

        // Hash the decoded bytes so text (hex) and binary clients get the same result.
        Span<byte> chunk = stackalloc byte[256];
        var hex = value[2..];
        while (!hex.IsEmpty)
        {
            var take = Math.Min(hex.Length / 2, chunk.Length);
            for (var index = 0; index < take; index++)
            {
                chunk[index] = (byte)((HexValue(hex[2 * index]) << 4) | (HexValue(hex[(2 * index) + 1]) & 0xF));
            }

            hasher.Append(chunk[..take]);
            hex = hex[(2 * take)..];
        }

        hasher.Finish(hash);
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static int Hex(ReadOnlySpan<byte> bytes, Span<byte> destination) =>
        Convert.TryToHexStringLower(bytes, destination, out var written)
            ? written
            : throw new ArgumentException("destination too small for the hex digits", nameof(destination));

    private static int FormatUuid(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        var written = 0;
        for (var index = 0; index < 16; index++)
        {
            if (index is 4 or 6 or 8 or 10)
            {
                destination[written++] = (byte)'-';
            }

            written += Hex(bytes.Slice(index, 1), destination[written..]);
        }

        return written;
    }

    private static int Jsonb(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        destination[0] = 1;
        return 1 + Copy(json, destination[1..]);
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static int Zeros(int length, Span<byte> destination)
    {
        destination[..length].Clear();
        return length;
    }

    private static int One(byte value, Span<byte> destination)
    {
        destination[0] = value;
        return 1;
    }
}
