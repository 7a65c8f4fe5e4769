using System.Globalization;
using System.Text;

namespace ChunkGate.Runner.Database;

/// <summary>
/// The job's query with <c>$1</c> and <c>$2</c> found as PostgreSQL's lexer finds them (not inside
/// string constants, quoted identifiers, dollar-quoted bodies, comments, or identifiers such as
/// <c>a$1</c>), so they can be written in as bigint constants where bind parameters cannot be used:
/// COPY takes no parameters. Only runner-made integers are ever written in, never text.
/// </summary>
internal sealed class QueryTemplate
{
    private readonly string query;
    private readonly List<(int Start, int Length, int Number)> parameters;

    private QueryTemplate(string query, List<(int Start, int Length, int Number)> parameters)
    {
        this.query = query;
        this.parameters = parameters;
    }

    /// <summary>The template, or null and why the text cannot be one (another parameter than $1/$2, an unterminated constant or comment).</summary>
    public static (QueryTemplate? Template, string? Error) Parse(string query)
    {
        // COPY (…) wraps the query: a trailing semicolon would end it early.
        var text = query.TrimEnd();
        while (text.EndsWith(';'))
        {
            text = text[..^1].TrimEnd();
        }

        var found = new List<(int Start, int Length, int Number)>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '-' && At(text, i + 1, '-'))
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end + 1;
            }
            else if (c == '/' && At(text, i + 1, '*'))
            {
                if (!SkipBlockComment(text, ref i))
                {
                    return (null, "the query has an unterminated /* comment");
                }
            }
            else if (c == '\'')
            {
                if (!SkipQuoted(text, ref i, '\'', backslashEscapes: false))
                {
                    return (null, "the query has an unterminated string constant");
                }
            }
            else if (c == '"')
            {
                if (!SkipQuoted(text, ref i, '"', backslashEscapes: false))
                {
                    return (null, "the query has an unterminated quoted identifier");
                }
            }
            else if (c == '$' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))
            {
                var start = i++;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                var number = int.TryParse(text.AsSpan(start + 1, i - start - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
                if (number is not (1 or 2))
                {
                    return (null, $"the query uses {text[start..i]}; only $1 and $2 (the chunk's bounds) are bound");
                }

                found.Add((start, i - start, number));
            }
            else if (c == '$' && DollarTag(text, i) is { } tag)
            {
                var end = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                if (end < 0)
                {
                    return (null, $"the query has an unterminated dollar-quoted constant {tag}");
                }

                i = end + tag.Length;
            }
            else if (IsIdentifierStart(c))
            {
                var start = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                // E'…' is an escape string (backslash escapes); any longer word before a quote is an identifier.
                if (i - start == 1 && (c is 'E' or 'e') && At(text, i, '\'') && !SkipQuoted(text, ref i, '\'', backslashEscapes: true))
                {
                    return (null, "the query has an unterminated string constant");
                }
            }
            else if (char.IsAsciiDigit(c))
            {
                // A number, with whatever letters PostgreSQL would read into it (1e5, 0x1F): never a parameter.
                while (i < text.Length && (IsIdentifierPart(text[i]) || text[i] == '.') && text[i] != '$')
                {
                    i++;
                }
            }
            else
            {
                i++;
            }
        }

        return (new QueryTemplate(text, found), null);
    }

    /// <summary>The query with each $1 and $2 replaced by the bound as a bigint constant.</summary>
    public string Render(long from, long to)
    {
        var builder = new StringBuilder(query.Length + (parameters.Count * 32));
        var position = 0;
        foreach (var (start, length, number) in parameters)
        {
            builder.Append(query, position, start - position)
                .Append("CAST(").Append((number == 1 ? from : to).ToString(CultureInfo.InvariantCulture)).Append(" AS bigint)");
            position = start + length;
        }

        return builder.Append(query, position, query.Length - position).ToString();
    }

    private static bool At(string text, int index, char expected) => index < text.Length && text[index] == expected;

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= '\u0080';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';

    /// <summary>Skips a quoted run starting at <paramref name="i"/> (doubled quotes stay inside); false when it never ends.</summary>
    private static bool SkipQuoted(string text, ref int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < text.Length)
        {
            var c = text[i++];
            if (backslashEscapes && c == '\\')
            {
                i++;
            }
            else if (c == quote)
            {
                if (!At(text, i, quote))
                {
                    return true;
                }

                i++;
            }
        }

        return false;
    }

    /// <summary>PostgreSQL's block comments nest.</summary>
    private static bool SkipBlockComment(string text, ref int i)
    {
        var depth = 0;
        while (i < text.Length)
        {
            if (text[i] == '/' && At(text, i + 1, '*'))
            {
                depth++;
                i += 2;
            }
            else if (text[i] == '*' && At(text, i + 1, '/'))
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return true;
                }
            }
            else
            {
                i++;
            }
        }

        return false;
    }

    /// <summary><c>$$</c> or <c>$tag$</c> opening a dollar-quoted constant at <paramref name="i"/>, or null.</summary>
    private static string? DollarTag(string text, int i)
    {
        var end = i + 1;
        if (end < text.Length && IsIdentifierStart(text[end]))
        {
            end++;
            while (end < text.Length && (IsIdentifierStart(text[end]) || char.IsAsciiDigit(text[end])))
            {
                end++;
            }
        }

        return At(text, end, '$') ? text[i..(end + 1)] : null;
    }
}
