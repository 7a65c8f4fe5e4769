using System.Buffers;
using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Masks statement text before it is recorded: when the statement names a masked column, every
/// string literal (quoted, E'…', dollar-quoted) becomes <c>'***'</c> and every numeric literal of
/// four digits or more becomes <c>0</c> — a literal compared with a masked column
/// (<c>WHERE ssn = '123-45-6789'</c>) is a raw value. The value detectors then run over the whole
/// text, comments included. Identifiers and keywords are kept, so the recording stays readable.
/// </summary>
internal sealed class StatementTextMasker(MaskedColumnSet columns, DetectorKinds detectors)
{
    public string Mask(string statement)
    {
        if (string.IsNullOrEmpty(statement))
        {
            return statement;
        }

        var text = MentionsMaskedColumn(statement) ? ReplaceLiterals(statement) : statement;
        if (detectors == DetectorKinds.None)
        {
            return text;
        }

        var byteCount = Encoding.UTF8.GetByteCount(text);
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var bytes = rented.AsSpan(0, byteCount);
            Encoding.UTF8.GetBytes(text, bytes);
            return ValueDetectors.MaskInPlace(bytes, detectors) > 0 ? Encoding.UTF8.GetString(bytes) : text;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool MentionsMaskedColumn(string statement)
    {
        if (columns.ColumnNames.Count == 0)
        {
            return false;
        }

        var index = 0;
        while (index < statement.Length)
        {
            var c = statement[index];
            if (c == '"')
            {
                var end = statement.IndexOf('"', index + 1);
                if (end < 0)
                {
                    end = statement.Length;
                }

                if (columns.ColumnNames.Contains(statement[(index + 1)..end]))
                {
                    return true;
                }

                index = end + 1;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = index;
                while (index < statement.Length && (char.IsLetterOrDigit(statement[index]) || statement[index] is '_' or '$'))
                {
                    index++;
                }

                if (columns.ColumnNames.Contains(statement[start..index]))
                {
                    return true;
                }
            }
            else
            {
                index++;
            }
        }

        return false;
    }

    private static string ReplaceLiterals(string statement)
    {
        var builder = new StringBuilder(statement.Length);
        var index = 0;
        while (index < statement.Length)
        {
            var c = statement[index];
            if (c == '\'')
            {
                // E'…' escapes: a backslash quotes the next character; '' is a quote in both forms.
                var escapes = index > 0 && statement[index - 1] is 'E' or 'e';
                index = SkipQuoted(statement, index + 1, escapes);
                builder.Append("'***'");
            }
            else if (c == '$' && TryReadDollarTag(statement, index, out var tag))
            {
                var end = statement.IndexOf(tag, index + tag.Length, StringComparison.Ordinal);
                index = end < 0 ? statement.Length : end + tag.Length;
                builder.Append("'***'");
            }
            else if (c == '"')
            {
                var end = statement.IndexOf('"', index + 1);
                end = end < 0 ? statement.Length : end + 1;
                builder.Append(statement, index, end - index);
                index = end;
            }
            else if (char.IsAsciiDigit(c) && (index == 0 || !(char.IsLetterOrDigit(statement[index - 1]) || statement[index - 1] is '_' or '$')))
            {
                var end = index;
                while (end < statement.Length && (char.IsAsciiDigit(statement[end]) || statement[end] == '.'))
                {
                    end++;
                }

                var digits = 0;
                for (var position = index; position < end; position++)
                {
                    digits += char.IsAsciiDigit(statement[position]) ? 1 : 0;
                }

                if (digits >= 4)
                {
                    builder.Append('0');
                }
                else
                {
                    builder.Append(statement, index, end - index);
                }

                index = end;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var end = index;
                while (end < statement.Length && (char.IsLetterOrDigit(statement[end]) || statement[end] is '_' or '$'))
                {
                    end++;
                }

                // Keep an E prefix attached to its literal so the escape rule above can see it.
                builder.Append(statement, index, end - index);
                index = end;
            }
            else
            {
                builder.Append(c);
                index++;
            }
        }

        return builder.ToString();
    }

    private static int SkipQuoted(string text, int index, bool backslashEscapes)
    {
        while (index < text.Length)
        {
            var c = text[index];
            if (backslashEscapes && c == '\\')
            {
                index += 2;
                continue;
            }

            if (c == '\'')
            {
                if (index + 1 < text.Length && text[index + 1] == '\'')
                {
                    index += 2;
                    continue;
                }

                return index + 1;
            }

            index++;
        }

        return text.Length;
    }

    private static bool TryReadDollarTag(string text, int index, out string tag)
    {
        var end = index + 1;
        while (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_'))
        {
            end++;
        }

        if (end < text.Length && text[end] == '$' && (end == index + 1 || !char.IsAsciiDigit(text[index + 1])))
        {
            tag = text[index..(end + 1)];
            return true;
        }

        tag = string.Empty;
        return false;
    }
}
