using System.Buffers;
using System.Buffers.Binary;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Masks the text fields of an ErrorResponse or NoticeResponse so that the server never echoes a
/// masked value back (<c>Key (ssn)=(123-45-6789) already exists.</c>). Errors are rare: this path
/// favours thoroughness over speed, but still writes straight into the output.
/// </summary>
internal static class ErrorFieldMasker
{
    private static readonly byte[] Redacted = "REDACTED"u8.ToArray();
    private static readonly byte[] WithheldSuffix = " (message withheld by ChunkGate: it may carry masked data)"u8.ToArray();
    private static readonly byte[] Withheld = "REDACTED: text raised by function code, withheld by ChunkGate masking"u8.ToArray();

    /// <summary>What PostgreSQL writes between two quoted names in the messages of the kept classes (<c>column "a" of relation "t"</c>).</summary>
    private static readonly byte[][] QuotedConnectors =
    [
        .. new[]
        {
            " of relation ", " for relation ", " of table ", " for table ", " on table ", " in table ", " in schema ",
            " of type ", " is of type ", " violates foreign key constraint ", " violates check constraint ", ", ", " and ",
        }.Select(System.Text.Encoding.ASCII.GetBytes),
    ];

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
    /// <c>relation "…" does not exist</c> for <c>col::regclass</c>, <c>chr()</c>'s "requested
    /// character too large for encoding: 123456789", JSON parse errors, or a RAISE in function code.
    /// So the message is withheld (SQLSTATE kept, detail, hint and context dropped) unless its class
    /// is one PostgreSQL builds from the statement or server state (<see cref="ErrorClassPolicy"/>);
    /// in those, each quoted fragment and each free-standing number that is not exactly a token of
    /// the client's statement is redacted; text raised from function code (PL/pgSQL or SQL function
    /// context) or by RAISE (class P0) is withheld whole. The sidecar's own refusals pass as written.
    /// </summary>
    public static int Mask(byte messageCode, Span<byte> body, IBufferWriter<byte> output, DetectorKinds detectors, MaskedColumnSet columns, ReadOnlySpan<byte> clientText = default)
    {
        var strict = columns.Count > 0;
        var origin = strict ? Scan(body) : default;
        var mode = !strict || origin.OwnRefusal ? TextMode.Detectors
            : origin.FromFunction || origin.SqlState.StartsWith("P0"u8) ? TextMode.FunctionText
            : ErrorClassPolicy.KeepsMessage(origin.SqlState) ? TextMode.ClientTokens
            : TextMode.Withheld;
        var tokens = mode == TextMode.ClientTokens ? StatementTokens.Of(clientText) : StatementTokens.Empty;

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
            if (fieldType == 0)
            {
                destination[written++] = 0;
                break;
            }

            var end = body[position..].IndexOf((byte)0);
            if (end < 0)
            {
                return ResultMasker.Malformed;
            }

            var text = body.Slice(position, end);
            position += end + 1;
            if (mode == TextMode.Withheld && IsFreeText(fieldType))
            {
                if (fieldType == (byte)'M')
                {
                    masked++;
                    destination[written++] = fieldType;
                    written += WithheldMessage(origin, destination[written..]);
                    destination[written++] = 0;
                }

                continue;
            }

            destination[written++] = fieldType;
            if (IsFreeText(fieldType))
            {
                if (fieldType == (byte)'D')
                {
                    var redacted = RedactRowValues(text, destination[written..], strict, out var replacedCount);
                    if (replacedCount > 0)
                    {
                        masked += replacedCount;
                        masked += ValueDetectors.MaskInPlace(destination.Slice(written, redacted), detectors);
                        written += redacted;
                        destination[written++] = 0;
                        continue;
                    }
                }

                if (mode is TextMode.FunctionText or TextMode.ClientTokens)
                {
                    var before = written;
                    written += mode == TextMode.FunctionText && fieldType is (byte)'M' or (byte)'D' or (byte)'H'
                        ? Withhold(destination[written..], ref masked)
                        : RedactForeignText(text, destination[written..], tokens, numbers: fieldType is (byte)'M' or (byte)'D' or (byte)'H', ref masked);
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

    private static int Withhold(Span<byte> destination, ref int masked)
    {
        masked++;
        Withheld.CopyTo(destination);
        return Withheld.Length;
    }

    /// <summary><c>ERROR 54000 (message withheld by ChunkGate: it may carry masked data)</c>.</summary>
    private static int WithheldMessage(in Origin origin, Span<byte> destination)
    {
        var severity = origin.Severity.IsEmpty ? "ERROR"u8 : origin.Severity;
        severity.CopyTo(destination);
        var written = severity.Length;
        if (!origin.SqlState.IsEmpty)
        {
            destination[written++] = (byte)' ';
            origin.SqlState.CopyTo(destination[written..]);
            written += origin.SqlState.Length;
        }

        WithheldSuffix.CopyTo(destination[written..]);
        return written + WithheldSuffix.Length;
    }

    /// <summary>
    /// Copies <paramref name="text"/>, keeping what the client wrote and redacting the rest: the
    /// span from the first quote to the last (either kind) is kept as far as it reads as quoted
    /// tokens of the client's statement joined by the connecting words of PostgreSQL's messages
    /// (<see cref="QuotedConnectors"/>); from the first quote where it does not, everything up to
    /// the last quote becomes REDACTED. Quotes are not paired one by one: a value can carry quotes of its own, and
    /// <c>current_setting('x" ' || diagnosis || ' "y')</c> made "x" and "y" look like the fragments
    /// and the diagnosis between them like the message's own words. Outside the span, with
    /// <paramref name="numbers"/> (contexts count lines), each free-standing digit run the client
    /// did not write becomes #.
    /// </summary>
    private static int RedactForeignText(ReadOnlySpan<byte> text, Span<byte> destination, StatementTokens tokens, bool numbers, ref int masked)
    {
        var first = text.IndexOfAny((byte)'"', (byte)'\'');
        var last = text.LastIndexOfAny((byte)'"', (byte)'\'');
        if (first < 0 || first == last)
        {
            return RedactForeignNumbers(text, destination, tokens, numbers, ref masked);
        }

        var written = RedactForeignNumbers(text[..first], destination, tokens, numbers, ref masked);
        var span = text[first..(last + 1)];
        var kept = QuotedTokensPrefix(span, tokens);
        span[..kept].CopyTo(destination[written..]);
        written += kept;
        if (kept < span.Length)
        {
            masked++;
            destination[written++] = span[kept];
            Redacted.CopyTo(destination[written..]);
            written += Redacted.Length;
            destination[written++] = text[last];
        }

        return written + RedactForeignNumbers(text[(last + 1)..], destination[written..], tokens, numbers, ref masked);
    }

    /// <summary>
    /// How much of <paramref name="span"/> (first quote to last) is quoted client tokens joined by
    /// <see cref="QuotedConnectors"/>: its whole length, or the position of the quote where the rest must be redacted.
    /// </summary>
    private static int QuotedTokensPrefix(ReadOnlySpan<byte> span, StatementTokens tokens)
    {
        var position = 0;
        while (true)
        {
            var quote = span[position];
            var close = span[(position + 1)..].IndexOf(quote);
            if (close < 0 || !tokens.Wrote(span.Slice(position + 1, close)))
            {
                return position;
            }

            var after = position + close + 2;
            if (after == span.Length)
            {
                return after;
            }

            var next = span[after..].IndexOfAny((byte)'"', (byte)'\'');
            if (next < 0 || !IsConnector(span.Slice(after, next)))
            {
                return position;
            }

            position = after + next;
        }
    }

    private static bool IsConnector(ReadOnlySpan<byte> between)
    {
        foreach (var connector in QuotedConnectors)
        {
            if (between.SequenceEqual(connector))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Copies <paramref name="text"/> (no quotes in it), replacing each free-standing digit run the client did not write by #.</summary>
    private static int RedactForeignNumbers(ReadOnlySpan<byte> text, Span<byte> destination, StatementTokens tokens, bool numbers, ref int masked)
    {
        var written = 0;
        var index = 0;
        while (index < text.Length)
        {
            var c = text[index];
            if (numbers && IsDigit(c) && !(index > 0 && IsWordByte(text[index - 1])))
            {
                var run = index;
                while (run < text.Length && IsDigit(text[run]))
                {
                    run++;
                }

                var digits = text[index..run];
                if (tokens.WroteNumber(digits))
                {
                    digits.CopyTo(destination[written..]);
                    written += digits.Length;
                }
                else
                {
                    masked++;
                    destination[written++] = (byte)'#';
                }

                index = run;
                continue;
            }

            destination[written++] = c;
            index++;
        }

        return written;
    }

    /// <summary>The SQLSTATE and severity; whether the context says the text came from function code, or is the sidecar's own refusal.</summary>
    private static Origin Scan(ReadOnlySpan<byte> body)
    {
        ReadOnlySpan<byte> sqlState = default;
        ReadOnlySpan<byte> severity = default;
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
            else if (type == (byte)'V' || (type == (byte)'S' && severity.IsEmpty))
            {
                severity = text;
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
        var refusal = fromFunction && ownRefusal && refusalContext;
        return new Origin(sqlState, severity, fromFunction && !refusal, refusal);
    }

    /// <summary>Severity, SQLSTATE, positions and source locations cannot carry values; everything else can.</summary>
    private static bool IsFreeText(byte fieldType) => fieldType is not ((byte)'S' or (byte)'V' or (byte)'C' or (byte)'P' or (byte)'p' or (byte)'F' or (byte)'L' or (byte)'R');

    /// <summary>
    /// With column rules, redacts the values of <c>Key (cols)=(values)</c> and the whole tuple of
    /// <c>Failing row contains (…)</c>: a unique index on a temporary copy of a masked column names
    /// no masked column, yet holds its values. Returns the written length.
    /// </summary>
    private static int RedactRowValues(ReadOnlySpan<byte> detail, Span<byte> destination, bool strict, out int replaced)
    {
        replaced = 0;
        var failingRow = "Failing row contains ("u8;
        var failingAt = detail.IndexOf(failingRow);
        if (!strict)
        {
            return 0;
        }

        if (failingAt >= 0)
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
            var close = detail.LastIndexOf((byte)')');
            if (close > equals + 2)
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

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    private static bool IsWordByte(byte c) => char.IsAsciiLetterOrDigit((char)c) || c is (byte)'_' or (byte)'$' or >= 0x80;

    private enum TextMode
    {
        /// <summary>No column rules, or the sidecar's own refusal: detectors only.</summary>
        Detectors,

        /// <summary>Raised from function code: message, detail and hint withheld whole.</summary>
        FunctionText,

        /// <summary>A class built from the statement: what the client did not write is redacted.</summary>
        ClientTokens,

        /// <summary>Any other class: a fixed message keeping the SQLSTATE, nothing else.</summary>
        Withheld,
    }

    private readonly ref struct Origin(ReadOnlySpan<byte> sqlState, ReadOnlySpan<byte> severity, bool fromFunction, bool ownRefusal)
    {
        public ReadOnlySpan<byte> SqlState { get; } = sqlState;

        public ReadOnlySpan<byte> Severity { get; } = severity;

        public bool FromFunction { get; } = fromFunction;

        public bool OwnRefusal { get; } = ownRefusal;
    }
}
