using System.Buffers;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Finds SSNs, Luhn-valid card numbers and e-mail addresses in UTF-8 bytes and overwrites them in
/// place with a mask of the same length, so the value keeps its byte length and any binary
/// structure around it (array, record, jsonb) stays valid. Allocates nothing.
/// </summary>
internal static class ValueDetectors
{
    private const int MaxGroups = 8;

    // RFC 5322 atext minus the characters that usually delimit an address in running text
    // (quotes, backticks, braces, pipes), plus every non-ASCII byte (internationalised addresses,
    // RFC 6531). Masking a multi-byte character byte by byte still leaves valid UTF-8 (all '*').
    private static readonly SearchValues<byte> EmailLocalChars =
        SearchValues.Create([.. "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&*+/=?^_~-"u8, .. NonAscii()]);

    private static readonly SearchValues<byte> EmailDomainChars =
        SearchValues.Create([.. "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"u8, .. NonAscii()]);

    /// <summary>Masks every detection in <paramref name="text"/>; returns how many were found.</summary>
    public static int MaskInPlace(Span<byte> text, DetectorKinds kinds)
    {
        var found = 0;
        if ((kinds & (DetectorKinds.Ssn | DetectorKinds.Card)) != 0)
        {
            found += MaskDigitRuns(text, kinds);
        }

        if ((kinds & DetectorKinds.Email) != 0)
        {
            found += MaskEmails(text);
        }

        return found;
    }

    private static int MaskDigitRuns(Span<byte> text, DetectorKinds kinds)
    {
        Span<int> groupLengths = stackalloc int[MaxGroups];
        var found = 0;
        var position = 0;
        while (position < text.Length)
        {
            var offset = text[position..].IndexOfAnyInRange((byte)'0', (byte)'9');
            if (offset < 0)
            {
                break;
            }

            var start = position + offset;
            var cursor = start;
            var groups = 0;
            var digitCount = 0;
            var separator = (byte)0;
            var uniformSeparators = true;
            while (true)
            {
                var groupStart = cursor;
                while (cursor < text.Length && IsDigit(text[cursor]))
                {
                    cursor++;
                }

                if (groups < MaxGroups)
                {
                    groupLengths[groups] = cursor - groupStart;
                }

                groups++;
                digitCount += cursor - groupStart;
                if (cursor + 1 < text.Length && text[cursor] is (byte)'-' or (byte)' ' && IsDigit(text[cursor + 1]))
                {
                    if (separator != 0 && separator != text[cursor])
                    {
                        uniformSeparators = false;
                    }

                    separator = text[cursor];
                    cursor++;
                    continue;
                }

                break;
            }

            // A digit run glued to a letter or digit on either side ("A123-45-6789B") is still masked:
            // the backstop prefers a false positive to a leak.
            var end = cursor;
            var masked = false;
            var strict = (kinds & DetectorKinds.Strict) != 0;
            if ((kinds & DetectorKinds.Card) != 0 && groups <= MaxGroups && LooksLikeCard(text[start..end], groupLengths[..groups], uniformSeparators, strict))
            {
                MaskDigits(text[start..end], groups == 1 ? (byte)'0' : (byte)'*');
                found++;
                masked = true;
            }

            if (!masked && (kinds & DetectorKinds.Ssn) != 0 && groups == 1 && end - start == 9 && (strict || FollowsSsnHint(text[..start])))
            {
                MaskDigits(text[start..end], (byte)'*');
                found++;
                masked = true;
            }

            if (!masked && (kinds & DetectorKinds.Card) != 0 && groups > 1 && uniformSeparators)
            {
                var cards = MaskCardGroups(text[start..end], strict);
                found += cards;
                masked = cards > 0;
            }

            if (!masked && (kinds & DetectorKinds.Ssn) != 0 && groups >= 3)
            {
                found += MaskSsnGroups(text[start..end]);
            }

            position = end;
        }

        return found;
    }

    /// <summary>
    /// Masks every 3-2-4 digit group sequence of a separated run, sliding over all its groups: a
    /// space-separated list of SSNs is one run of many groups, and a window over the first eight
    /// only let the third SSN on through.
    /// </summary>
    private static int MaskSsnGroups(Span<byte> run)
    {
        var found = 0;
        int firstStart = -1, firstLength = 0, secondStart = -1, secondLength = 0;
        var cursor = 0;
        while (cursor < run.Length)
        {
            var groupStart = cursor;
            while (cursor < run.Length && IsDigit(run[cursor]))
            {
                cursor++;
            }

            var length = cursor - groupStart;
            if (firstStart >= 0 && firstLength == 3 && secondLength == 2 && length == 4)
            {
                MaskDigits(run[firstStart..cursor], (byte)'*');
                found++;
                firstStart = secondStart = -1;
                firstLength = secondLength = 0;
            }
            else
            {
                (firstStart, firstLength, secondStart, secondLength) = (secondStart, secondLength, groupStart, length);
            }

            // Skip the one separator between groups.
            cursor++;
        }

        return found;
    }

    /// <summary>
    /// Masks each card number inside a longer separated run (<c>4111 1111 1111 1111 5500 0000 0000
    /// 0004</c> is one run of 32 digits, no card as a whole): from each group, the first window of
    /// consecutive 3-6 digit groups holding 13-19 digits that passes Luhn. Each window spans at most
    /// six groups, so the scan stays linear.
    /// </summary>
    private static int MaskCardGroups(Span<byte> run, bool strict)
    {
        var found = 0;
        var start = 0;
        while (start < run.Length)
        {
            var cursor = start;
            var digits = 0;
            var matchedEnd = -1;
            var firstGroupEnd = -1;
            while (cursor < run.Length)
            {
                var groupStart = cursor;
                while (cursor < run.Length && IsDigit(run[cursor]))
                {
                    cursor++;
                }

                firstGroupEnd = firstGroupEnd < 0 ? cursor : firstGroupEnd;
                var length = cursor - groupStart;
                digits += length;
                if (length is < 3 or > 6 || digits > 19)
                {
                    break;
                }

                if (digits >= 13 && (strict || PassesLuhn(run[start..cursor])))
                {
                    matchedEnd = cursor;
                    break;
                }

                cursor++;
            }

            if (matchedEnd > 0)
            {
                MaskDigits(run[start..matchedEnd], (byte)'*');
                found++;
                start = matchedEnd + 1;
            }
            else
            {
                start = firstGroupEnd + 1;
            }
        }

        return found;
    }

    /// <summary>Whether "ssn" or "social" (any case) ends within the 24 bytes before a nine-digit run: a JSON key, a label.</summary>
    private static bool FollowsSsnHint(ReadOnlySpan<byte> before)
    {
        var window = before.Length > 24 ? before[^24..] : before;
        Span<byte> folded = stackalloc byte[24];
        folded = folded[..window.Length];
        for (var index = 0; index < window.Length; index++)
        {
            // ASCII letters only; other bytes (UTF-8 included) are copied as they are.
            folded[index] = window[index] is >= (byte)'A' and <= (byte)'Z' ? (byte)(window[index] | 0x20) : window[index];
        }

        return folded.IndexOf("ssn"u8) >= 0 || folded.IndexOf("social"u8) >= 0;
    }

    private static bool LooksLikeCard(ReadOnlySpan<byte> run, ReadOnlySpan<int> groupLengths, bool uniformSeparators, bool strict)
    {
        var digits = 0;
        foreach (var length in groupLengths)
        {
            digits += length;
        }

        if (digits is < 13 or > 19)
        {
            return false;
        }

        // Grouped card numbers are written in groups of 3 to 6 digits (4-4-4-4, 4-6-5); arbitrary
        // spaced numbers ("1 2 3 …") are not cards.
        if (groupLengths.Length > 1)
        {
            if (!uniformSeparators)
            {
                return false;
            }

            foreach (var length in groupLengths)
            {
                if (length is < 3 or > 6)
                {
                    return false;
                }
            }
        }

        return strict || PassesLuhn(run);
    }

    /// <summary>The Luhn mod-10 check over the digits of <paramref name="run"/> (separators ignored).</summary>
    internal static bool PassesLuhn(ReadOnlySpan<byte> run)
    {
        var sum = 0;
        var doubleIt = false;
        for (var index = run.Length - 1; index >= 0; index--)
        {
            var c = run[index];
            if (!IsDigit(c))
            {
                continue;
            }

            var digit = c - '0';
            if (doubleIt)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    private static void MaskDigits(Span<byte> run, byte mask)
    {
        for (var index = 0; index < run.Length; index++)
        {
            if (IsDigit(run[index]))
            {
                run[index] = mask;
            }
        }
    }

    private static int MaskEmails(Span<byte> text)
    {
        var found = 0;
        var position = 0;
        while (position < text.Length)
        {
            var offset = text[position..].IndexOf((byte)'@');
            if (offset < 0)
            {
                break;
            }

            var at = position + offset;
            var left = at;
            while (left > 0 && EmailLocalChars.Contains(text[left - 1]))
            {
                left--;
            }

            while (left < at && text[left] == (byte)'.')
            {
                left++;
            }

            var right = at + 1;
            while (right < text.Length && EmailDomainChars.Contains(text[right]))
            {
                right++;
            }

            while (right > at + 1 && text[right - 1] is (byte)'.' or (byte)'-')
            {
                right--;
            }

            if (left < at && IsDomain(text[(at + 1)..right]))
            {
                MaskEmailChars(text[left..at]);
                MaskEmailChars(text[(at + 1)..right]);
                found++;
                position = right;
            }
            else
            {
                position = at + 1;
            }
        }

        return found;
    }

    private static bool IsDomain(ReadOnlySpan<byte> domain)
    {
        var lastDot = domain.LastIndexOf((byte)'.');
        if (lastDot <= 0 || domain.Length - lastDot - 1 < 2)
        {
            return false;
        }

        foreach (var c in domain[(lastDot + 1)..])
        {
            if (!char.IsAsciiLetter((char)c))
            {
                return false;
            }
        }

        return true;
    }

    private static void MaskEmailChars(Span<byte> part)
    {
        for (var index = 0; index < part.Length; index++)
        {
            if (part[index] != (byte)'.')
            {
                part[index] = (byte)'*';
            }
        }
    }

    private static byte[] NonAscii() => Enumerable.Range(0x80, 0x80).Select(value => (byte)value).ToArray();

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
