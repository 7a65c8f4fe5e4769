using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Masks the text fields of an ErrorResponse or NoticeResponse so that the server never echoes a
/// masked value back (<c>Key (ssn)=(123-45-6789) already exists.</c>). Errors are rare: this path
/// favours thoroughness over speed, but still writes straight into the output.
/// </summary>
internal static class ErrorFieldMasker
{
    private static readonly byte[] Redacted = "REDACTED"u8.ToArray();

    public static int Mask(byte messageCode, ReadOnlySequence<byte> body, IBufferWriter<byte> output, DetectorKinds detectors, MaskedColumnSet columns)
    {
        var length = checked((int)body.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return Mask(messageCode, rented.AsSpan(0, length), output, detectors, columns);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static int Mask(byte messageCode, Span<byte> body, IBufferWriter<byte> output, DetectorKinds detectors, MaskedColumnSet columns)
    {
        // Only the detail field can grow, by one REDACTED replacement.
        var bound = 5 + body.Length + Redacted.Length + 1;
        var destination = output.GetSpan(bound);
        destination[0] = messageCode;
        var written = 5;
        var masked = 0;
        var position = 0;
        while (true)
        {
            if (position >= body.Length)
            {
                return ResultMasker.Malformed;
            }

            var fieldType = body[position++];
            destination[written++] = fieldType;
            if (fieldType == 0)
            {
                break;
            }

            var end = body[position..].IndexOf((byte)0);
            if (end < 0)
            {
                return ResultMasker.Malformed;
            }

            var text = body.Slice(position, end);
            position += end + 1;
            if (IsFreeText(fieldType))
            {
                if (fieldType == (byte)'D')
                {
                    var redacted = RedactRowValues(text, destination[written..], columns, out var replacedCount);
                    if (replacedCount > 0)
                    {
                        masked += replacedCount;
                        masked += ValueDetectors.MaskInPlace(destination.Slice(written, redacted), detectors);
                        written += redacted;
                        destination[written++] = 0;
                        continue;
                    }
                }

                masked += ValueDetectors.MaskInPlace(text, detectors);
            }

            text.CopyTo(destination[written..]);
            written += text.Length;
            destination[written++] = 0;
        }

        if (position != body.Length)
        {
            return ResultMasker.Malformed;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination[1..], written - 1);
        output.Advance(written);
        return masked;
    }

    /// <summary>Severity, SQLSTATE, positions and source locations cannot carry values; everything else can.</summary>
    private static bool IsFreeText(byte fieldType) => fieldType is not ((byte)'S' or (byte)'V' or (byte)'C' or (byte)'P' or (byte)'p' or (byte)'F' or (byte)'L' or (byte)'R');

    /// <summary>
    /// Redacts the values of <c>Key (cols)=(values)</c> when a masked column is among <c>cols</c>,
    /// and the whole tuple of <c>Failing row contains (…)</c> when any column rule exists (the
    /// tuple has no column names to check against). Returns the written length.
    /// </summary>
    private static int RedactRowValues(ReadOnlySpan<byte> detail, Span<byte> destination, MaskedColumnSet columns, out int replaced)
    {
        replaced = 0;
        var failingRow = "Failing row contains ("u8;
        var failingAt = detail.IndexOf(failingRow);
        if (failingAt >= 0 && columns.Count > 0)
        {
            var close = detail.LastIndexOf((byte)')');
            if (close > failingAt)
            {
                replaced = 1;
                return Splice(detail, failingAt + failingRow.Length, close, destination);
            }
        }

        var keyAt = detail.IndexOf("Key ("u8);
        var equals = detail.IndexOf(")=("u8);
        if (keyAt >= 0 && equals > keyAt)
        {
            var names = detail[(keyAt + 5)..equals];
            var close = detail.LastIndexOf((byte)')');
            if (close > equals + 2 && MentionsMaskedColumn(names, columns))
            {
                replaced = 1;
                return Splice(detail, equals + 3, close, destination);
            }
        }

        return 0;
    }

    private static int Splice(ReadOnlySpan<byte> text, int start, int end, Span<byte> destination)
    {
        text[..start].CopyTo(destination);
        Redacted.CopyTo(destination[start..]);
        text[end..].CopyTo(destination[(start + Redacted.Length)..]);
        return start + Redacted.Length + (text.Length - end);
    }

    private static bool MentionsMaskedColumn(ReadOnlySpan<byte> names, MaskedColumnSet columns)
    {
        // Key columns are listed as "a, b" or as expressions ("lower(email)"): any masked name
        // appearing as a word among them is enough.
        var text = Encoding.UTF8.GetString(names);
        foreach (var name in columns.ColumnNames)
        {
            var index = text.IndexOf(name, StringComparison.OrdinalIgnoreCase);
            while (index >= 0)
            {
                var before = index == 0 || !IsIdentifierChar(text[index - 1]);
                var after = index + name.Length >= text.Length || !IsIdentifierChar(text[index + name.Length]);
                if (before && after)
                {
                    return true;
                }

                index = text.IndexOf(name, index + 1, StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$';
}
