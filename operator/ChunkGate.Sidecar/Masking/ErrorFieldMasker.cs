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
    /// <summary>More than any template of the catalog has; a template with more is never matched (its text withheld).</summary>
    private const int MaxPlaceholders = 20;

    private static readonly byte[] Redacted = "REDACTED"u8.ToArray();
    private static readonly byte[] WithheldSuffix = " (message withheld by ChunkGate: it may carry masked data)"u8.ToArray();
    private static readonly byte[] Withheld = "REDACTED: text raised by function code, withheld by ChunkGate masking"u8.ToArray();

    /// <param name="clientText">What the client itself sent for the statement answered (its text), or empty: a value it wrote there is no secret to the client.</param>
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
    /// is one PostgreSQL builds from the statement or server state (<see cref="ErrorClassPolicy"/>).
    /// In those, a text is kept only as one of PostgreSQL's own templates
    /// (<see cref="ServerMessageCatalog"/>): its literal words stay, and each placeholder's value
    /// stays only when the client wrote it (<see cref="KeepsValue"/>), else becomes REDACTED; a
    /// text no template matches is withheld. Templates put values outside quotes too
    /// (<c>improper relation name (too many dotted names): Asthma.b.c.d</c>), and a value can
    /// carry quotes of its own, so quotes mean nothing here. Text raised from function code
    /// (PL/pgSQL or SQL function context) or by RAISE (class P0) is withheld whole. The sidecar's
    /// own refusals pass as written.
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

        // A value of one byte can become REDACTED (8), plus the fixed texts.
        var bound = 5 + (8 * body.Length) + 256;
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
            if (mode != TextMode.Detectors && fieldType is (byte)'P' or (byte)'p')
            {
                // A value can steer the position (hostile probe: the cursor of a syntax error inside
                // (repeat(' ', ascii(substr(ssn, 1, 1))) || '1')::regtype is 1 + the character's code).
                masked++;
                continue;
            }

            if (!IsFreeText(fieldType) || mode == TextMode.Detectors || (IsCatalogName(fieldType) && mode != TextMode.Withheld))
            {
                masked += IsFreeText(fieldType) ? ValueDetectors.MaskInPlace(text, detectors) : 0;
                written += Copy(fieldType, text, destination[written..]);
                continue;
            }

            if (fieldType == (byte)'D' && mode != TextMode.Withheld)
            {
                var redacted = RedactRowValues(text, destination[(written + 1)..], out var replacedCount);
                if (replacedCount > 0)
                {
                    destination[written] = fieldType;
                    masked += replacedCount + ValueDetectors.MaskInPlace(destination.Slice(written + 1, redacted), detectors);
                    written += redacted + 1;
                    destination[written++] = 0;
                    continue;
                }
            }

            var field = mode switch
            {
                TextMode.ClientTokens when fieldType is (byte)'M' or (byte)'D' or (byte)'H' => MaskByTemplate(text, destination[(written + 1)..], tokens, ref masked),
                TextMode.ClientTokens or TextMode.FunctionText when fieldType == (byte)'W' => MaskContext(text, destination[(written + 1)..], tokens, ref masked),
                TextMode.FunctionText when fieldType is (byte)'M' or (byte)'D' or (byte)'H' => Withhold(destination[(written + 1)..], ref masked),
                _ => -1,
            };
            if (field > 0 || (field == 0 && text.IsEmpty))
            {
                destination[written] = fieldType;
                masked += ValueDetectors.MaskInPlace(destination.Slice(written + 1, field), detectors);
                written += field + 1;
                destination[written++] = 0;
            }
            else if (fieldType == (byte)'M')
            {
                // Withheld: no template, or a class outside the kept list. Other free texts are dropped.
                masked++;
                destination[written++] = fieldType;
                written += WithheldMessage(origin, destination[written..]);
                destination[written++] = 0;
            }
            else if (mode != TextMode.Withheld)
            {
                masked++;
            }
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
    /// Writes <paramref name="text"/> as the server template it matches, each placeholder's value
    /// kept or REDACTED; -1 when no template matches (the caller withholds the field).
    /// </summary>
    private static int MaskByTemplate(ReadOnlySpan<byte> text, Span<byte> destination, StatementTokens tokens, ref int masked)
    {
        var catalog = ServerMessageCatalog.Instance;
        Span<Range> values = stackalloc Range[MaxPlaceholders];
        if (catalog.Match(text, values) is not { } template)
        {
            return -1;
        }

        var written = 0;
        var from = 0;
        foreach (var range in values[..template.Placeholders])
        {
            var (start, length) = range.GetOffsetAndLength(text.Length);
            text[from..start].CopyTo(destination[written..]);
            written += start - from;
            var value = text.Slice(start, length);
            if (KeepsValue(value, tokens, catalog))
            {
                value.CopyTo(destination[written..]);
                written += value.Length;
            }
            else
            {
                masked++;
                Redacted.CopyTo(destination[written..]);
                written += Redacted.Length;
            }

            from = start + length;
        }

        text[from..].CopyTo(destination[written..]);
        return written + (text.Length - from);
    }

    /// <summary>A context field, one template per line: lines no template matches are dropped; -1 when none is left.</summary>
    private static int MaskContext(ReadOnlySpan<byte> text, Span<byte> destination, StatementTokens tokens, ref int masked)
    {
        var written = 0;
        foreach (var range in text.Split((byte)'\n'))
        {
            var separator = written > 0 ? 1 : 0;
            var line = MaskByTemplate(text[range], destination[(written + separator)..], tokens, ref masked);
            if (line < 0)
            {
                masked++;
                continue;
            }

            if (separator == 1)
            {
                destination[written] = (byte)'\n';
            }

            written += separator + line;
        }

        return written > 0 ? written : -1;
    }

    /// <summary>
    /// Whether a placeholder's value is the client's own: the whole value is one token of its
    /// statement or a dotted name it wrote as such (<c>public.t</c>), a number it wrote, or a
    /// fixed server text (<c>syntax error</c> in <c>%s at or near "%s"</c>). Nothing composed is
    /// kept: a statement can spell a value in words it wrote itself (<c>replace(ssn, '1', 'a ')</c>
    /// with <c>a</c>…<c>j</c> written elsewhere, or type names), so <c>operator does not exist:
    /// text = integer</c> becomes <c>operator does not exist: REDACTED</c> when the client did not
    /// write that signature.
    /// </summary>
    private static bool KeepsValue(ReadOnlySpan<byte> value, StatementTokens tokens, ServerMessageCatalog catalog) =>
        value.IsEmpty || tokens.Wrote(value) || tokens.WroteNumber(value) || catalog.IsFixedText(value);

    private static int Copy(byte fieldType, ReadOnlySpan<byte> text, Span<byte> destination)
    {
        destination[0] = fieldType;
        text.CopyTo(destination[1..]);
        destination[text.Length + 1] = 0;
        return text.Length + 2;
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

    /// <summary>Schema, table, column, data type and constraint names: read from the catalog, never from a row.</summary>
    private static bool IsCatalogName(byte fieldType) => fieldType is (byte)'s' or (byte)'t' or (byte)'c' or (byte)'d' or (byte)'n';

    /// <summary>Severity, SQLSTATE, positions and source locations cannot carry values; everything else can.</summary>
    private static bool IsFreeText(byte fieldType) => fieldType is not ((byte)'S' or (byte)'V' or (byte)'C' or (byte)'P' or (byte)'p' or (byte)'F' or (byte)'L' or (byte)'R');

    /// <summary>
    /// With column rules, redacts the values of <c>Key (cols)=(values)</c> and the whole tuple of
    /// <c>Failing row contains (…)</c>: a unique index on a temporary copy of a masked column names
    /// no masked column, yet holds its values. Returns the written length.
    /// </summary>
    private static int RedactRowValues(ReadOnlySpan<byte> detail, Span<byte> destination, out int replaced)
    {
        replaced = 0;
        var failingRow = "Failing row contains ("u8;
        var failingAt = detail.IndexOf(failingRow);

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

    private enum TextMode
    {
        /// <summary>No column rules, or the sidecar's own refusal: detectors only.</summary>
        Detectors,

        /// <summary>Raised from function code: message, detail and hint withheld whole.</summary>
        FunctionText,

        /// <summary>A class built from the statement: kept as PostgreSQL's own templates, values the client did not write redacted.</summary>
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
