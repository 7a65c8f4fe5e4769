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
    private static readonly byte[] Withheld = "REDACTED: text raised by function code, withheld by ChunkGate masking"u8.ToArray();

    /// <param name="clientText">What the client itself sent for the statement answered (its text), or empty: a quoted fragment found there is no secret to the client.</param>
    public static int Mask(byte messageCode, ReadOnlySequence<byte> body, IBufferWriter<byte> output, DetectorKinds detectors, MaskedColumnSet columns, ReadOnlySpan<byte> clientText = default)
    {
        var length = checked((int)body.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return Mask(messageCode, rented.AsSpan(0, length), output, detectors, columns, clientText);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// With column rules, the server's own words can carry a masked value (issue 11, hole 3):
    /// <c>invalid input syntax for type integer: "…"</c>, <c>relation "…" does not exist</c> for
    /// <c>col::regclass</c>, JSON parse errors quoting the value in detail and context, or a RAISE in
    /// function code. So every quoted fragment the client did not write itself is redacted; a data
    /// exception (class 22) keeps only the words before its first colon; and text raised from
    /// function code (PL/pgSQL or SQL function context) or by RAISE (class P0) is withheld whole.
    /// </summary>
    public static int Mask(byte messageCode, Span<byte> body, IBufferWriter<byte> output, DetectorKinds detectors, MaskedColumnSet columns, ReadOnlySpan<byte> clientText = default)
    {
        var strict = columns.Count > 0;
        ReadOnlySpan<byte> sqlState = default;
        var fromFunction = strict && Scan(body, out sqlState);
        var dataException = sqlState.StartsWith("22"u8);
        var withheld = fromFunction || sqlState.StartsWith("P0"u8);

        // Quotes can grow a fragment of 3 bytes to REDACTED in quotes (10): 4x, plus the fixed texts.
        var bound = 5 + (4 * body.Length) + 256;
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

                if (strict)
                {
                    var before = written;
                    written += StrictText(fieldType, text, destination[written..], clientText, dataException, withheld, ref masked);
                    masked += ValueDetectors.MaskInPlace(destination[before..written], detectors);
                    destination[written++] = 0;
                    continue;
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

    private static int StrictText(byte fieldType, ReadOnlySpan<byte> text, Span<byte> destination, ReadOnlySpan<byte> clientText, bool dataException, bool withheld, ref int masked)
    {
        if (withheld && fieldType is (byte)'M' or (byte)'D' or (byte)'H')
        {
            masked++;
            Withheld.CopyTo(destination);
            return Withheld.Length;
        }

        if (dataException && fieldType == (byte)'M')
        {
            var colon = text.IndexOf(": "u8);
            if (colon >= 0)
            {
                masked++;
                text = text[..colon];
            }
        }
        else if (dataException && fieldType is (byte)'D' or (byte)'W' or (byte)'H')
        {
            // JSON, XML and date parsers quote the input unquoted in their detail and context.
            masked++;
            Redacted.CopyTo(destination);
            return Redacted.Length;
        }

        return RedactForeignQuotes(text, destination, clientText, ref masked);
    }

    /// <summary>Copies <paramref name="text"/>, replacing the inside of each "…" or '…' fragment the client did not write itself.</summary>
    private static int RedactForeignQuotes(ReadOnlySpan<byte> text, Span<byte> destination, ReadOnlySpan<byte> clientText, ref int masked)
    {
        var written = 0;
        var index = 0;
        while (index < text.Length)
        {
            var quote = text[index];
            // An apostrophe inside a word (it's) opens nothing: only a quote after a non-letter does.
            var opens = quote is (byte)'"' or (byte)'\'' && (index == 0 || !char.IsAsciiLetterOrDigit((char)text[index - 1]));
            var close = opens ? text[(index + 1)..].IndexOf(quote) : -1;
            if (close <= 0)
            {
                destination[written++] = quote;
                index++;
                continue;
            }

            var fragment = text.Slice(index + 1, close);
            destination[written++] = quote;
            if (clientText.IndexOf(fragment) >= 0)
            {
                fragment.CopyTo(destination[written..]);
                written += fragment.Length;
            }
            else
            {
                masked++;
                Redacted.CopyTo(destination[written..]);
                written += Redacted.Length;
            }

            destination[written++] = quote;
            index += close + 2;
        }

        return written;
    }

    /// <summary>Whether the context says the text came from function code; the SQLSTATE too.</summary>
    private static bool Scan(ReadOnlySpan<byte> body, out ReadOnlySpan<byte> sqlState)
    {
        sqlState = default;
        var fromFunction = false;
        var ownRefusal = false;
        var refusalContext = false;
        var position = 0;
        while (position < body.Length && body[position] != 0)
        {
            var type = body[position++];
            var end = body[position..].IndexOf((byte)0);
            if (end < 0)
            {
                break;
            }

            var text = body.Slice(position, end);
            if (type == (byte)'C')
            {
                sqlState = text;
            }
            else if (type == (byte)'W' && (text.IndexOf("PL/pgSQL function"u8) >= 0 || text.IndexOf("SQL function"u8) >= 0))
            {
                fromFunction = true;
                refusalContext = text.SequenceEqual("PL/pgSQL function inline_code_block line 1 at RAISE"u8);
            }
            else if (type == (byte)'M')
            {
                ownRefusal = text.StartsWith("ChunkGate sidecar refused"u8);
            }

            position += end + 1;
        }

        // The sidecar's own refusals are raised by the DO block it sends in the statement's place
        // (ClientToServerPump.RefusalStatement; clients' DO blocks are refused): fixed text, no data.
        return fromFunction && !(ownRefusal && refusalContext);
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
