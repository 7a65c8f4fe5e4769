using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// One of PostgreSQL's message templates (<c>relation "%s" does not exist</c>) as literal parts
/// and the printf conversions between them, matched against a whole server text.
/// </summary>
internal sealed class MessageTemplate
{
    private readonly Part[] parts;

    private MessageTemplate(Part[] parts)
    {
        this.parts = parts;
        Prefix = parts[0].Literal ?? [];
        LiteralLength = parts.Sum(p => p.Literal?.Length ?? 0);
        Suffix = parts[^1].Literal ?? [];
        Placeholders = parts.Count(p => p.Literal is null);
    }

    /// <summary>The literal text before the first placeholder (the whole text when there is none).</summary>
    public byte[] Prefix { get; }

    public byte[] Suffix { get; }

    public int LiteralLength { get; }

    public int Placeholders { get; }

    /// <summary>Parses <paramref name="template"/>; null when it has no letter outside its placeholders (<c>%s: %s</c> would let anything pass).</summary>
    public static MessageTemplate? Parse(string template)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var index = 0;
        while (index < template.Length)
        {
            if (template[index] != '%')
            {
                literal.Append(template[index++]);
                continue;
            }

            if (index + 1 < template.Length && template[index + 1] == '%')
            {
                literal.Append('%');
                index += 2;
                continue;
            }

            if (Conversion(template, index + 1) is not var (kind, end))
            {
                return null;
            }

            if (literal.Length > 0)
            {
                parts.Add(new Part(Encoding.UTF8.GetBytes(literal.ToString()), ValueKind.Text));
                literal.Clear();
            }

            parts.Add(new Part(null, kind));
            index = end;
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part(Encoding.UTF8.GetBytes(literal.ToString()), ValueKind.Text));
        }

        var hasLetter = parts.Any(p => p.Literal is { } bytes && bytes.Any(b => char.IsAsciiLetter((char)b) || b >= 0x80));
        return hasLetter ? new MessageTemplate([.. parts]) : null;
    }

    /// <summary>
    /// Whether <paramref name="text"/> is this template whole; then <paramref name="values"/> holds
    /// each placeholder's range (the first <see cref="Placeholders"/> entries). Matching backtracks
    /// over placeholder lengths: each step and each byte searched costs <paramref name="budget"/>,
    /// so a crafted text cannot make it slow (out of budget = no match = withheld).
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> text, Span<Range> values, ref int budget) =>
        text.StartsWith(Prefix) && text.EndsWith(Suffix) && text.Length >= LiteralLength && Match(text, 0, 0, 0, values, ref budget);

    private bool Match(ReadOnlySpan<byte> text, int part, int position, int placeholder, Span<Range> values, ref int budget)
    {
        if (--budget < 0)
        {
            return false;
        }

        if (part == parts.Length)
        {
            return position == text.Length;
        }

        if (parts[part].Literal is { } literal)
        {
            return text[position..].StartsWith(literal) && Match(text, part + 1, position + literal.Length, placeholder, values, ref budget);
        }

        var kind = parts[part].Kind;
        var next = part + 1 < parts.Length ? parts[part + 1].Literal : null;
        for (var end = position; end <= text.Length; end++)
        {
            if (end > position && !Fits(kind, text[end - 1], end - 1 == position))
            {
                return false;
            }

            if (kind != ValueKind.Text && end == position)
            {
                continue;
            }

            if (kind == ValueKind.Char && end - position > 1)
            {
                return false;
            }

            if (next is not null)
            {
                var found = text[end..].IndexOf(next);
                budget -= found < 0 ? text.Length - end : found;
                if (found < 0 || budget < 0)
                {
                    return false;
                }

                end += found;
                if (end > position && !AllFit(kind, text[position..end]))
                {
                    return false;
                }
            }

            values[placeholder] = position..end;
            if (Match(text, part + 1, end, placeholder + 1, values, ref budget))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AllFit(ValueKind kind, ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!Fits(kind, value[i], i == 0))
            {
                return false;
            }
        }

        return kind != ValueKind.Char || value.Length == 1;
    }

    private static bool Fits(ValueKind kind, byte c, bool first) => kind switch
    {
        ValueKind.Integer => char.IsAsciiDigit((char)c) || (first && c == '-'),
        ValueKind.Hex => char.IsAsciiHexDigit((char)c),
        ValueKind.Float => char.IsAsciiDigit((char)c) || c is (byte)'.' or (byte)'-' or (byte)'+' or (byte)'e' or (byte)'E' or (byte)'i' or (byte)'n' or (byte)'f' or (byte)'a' or (byte)'N',
        _ => true,
    };

    /// <summary>Reads a printf conversion after its %: <c>1$</c>, flags, width, precision (<c>*</c> too), length, type.</summary>
    private static (ValueKind Kind, int End)? Conversion(string template, int index)
    {
        var start = index;
        while (index < template.Length && char.IsAsciiDigit(template[index]))
        {
            index++;
        }

        if (index < template.Length && template[index] == '$' && index > start)
        {
            index++;
        }
        else
        {
            index = start;
        }

        while (index < template.Length && template[index] is '-' or '+' or ' ' or '#' or '0' or '\'')
        {
            index++;
        }

        while (index < template.Length && (char.IsAsciiDigit(template[index]) || template[index] == '*'))
        {
            index++;
        }

        if (index < template.Length && template[index] == '.')
        {
            index++;
            while (index < template.Length && (char.IsAsciiDigit(template[index]) || template[index] == '*'))
            {
                index++;
            }
        }

        while (index < template.Length && template[index] is 'h' or 'l' or 'z' or 'j' or 't' or 'L' or 'q')
        {
            index++;
        }

        if (index >= template.Length)
        {
            return null;
        }

        ValueKind? kind = template[index] switch
        {
            'd' or 'i' or 'u' => ValueKind.Integer,
            'x' or 'X' or 'o' => ValueKind.Hex,
            'f' or 'g' or 'G' or 'e' or 'E' => ValueKind.Float,
            'c' => ValueKind.Char,
            's' or 'm' or 'p' => ValueKind.Text,
            _ => null,
        };
        return kind is { } found ? (found, index + 1) : null;
    }

    private enum ValueKind
    {
        Text,
        Integer,
        Hex,
        Float,
        Char,
    }

    private readonly record struct Part(byte[]? Literal, ValueKind Kind);
}
