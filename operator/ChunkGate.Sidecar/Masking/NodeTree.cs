using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// A small reader for PostgreSQL's node-tree text (<c>nodeToString</c> output, as stored in
/// <c>pg_rewrite.ev_action</c>): <c>{NAME :field value …}</c> nodes, <c>( … )</c> lists, <c>&lt;&gt;</c>
/// for NULL, <c>[ … ]</c> datum bytes (skipped), tokens with backslash escapes. Values are a
/// <see cref="Node"/>, a <c>List&lt;object?&gt;</c>, a <see cref="string"/> token or null.
/// </summary>
internal static class NodeTree
{
    public sealed record Node(string Name, Dictionary<string, object?> Fields);

    /// <summary>The parsed tree, or null when the text is not a well-formed node tree.</summary>
    public static object? TryParse(string text)
    {
        var position = 0;
        try
        {
            return ReadValue(text, ref position, 0);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static object? ReadValue(string text, ref int position, int depth)
    {
        if (depth > 512)
        {
            throw new FormatException("node tree too deep");
        }

        SkipSpaces(text, ref position);
        if (position >= text.Length)
        {
            throw new FormatException("unexpected end");
        }

        switch (text[position])
        {
            case '{':
            {
                position++;
                var name = ReadToken(text, ref position);
                var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (true)
                {
                    SkipSpaces(text, ref position);
                    if (position >= text.Length)
                    {
                        throw new FormatException("unterminated node");
                    }

                    if (text[position] == '}')
                    {
                        position++;
                        return new Node(name, fields);
                    }

                    var key = ReadToken(text, ref position);
                    if (!key.StartsWith(':'))
                    {
                        throw new FormatException($"expected a field name, found '{key}'");
                    }

                    // A field's value runs until the next field name or the end of the node; most
                    // fields hold one value (constvalue holds a length and a datum).
                    var values = new List<object?>();
                    while (true)
                    {
                        SkipSpaces(text, ref position);
                        if (position >= text.Length || text[position] == '}' || (text[position] == ':' && values.Count > 0))
                        {
                            break;
                        }

                        values.Add(ReadValue(text, ref position, depth + 1));
                    }

                    fields[key[1..]] = values.Count == 1 ? values[0] : values;
                }
            }

            case '(':
            {
                position++;
                var list = new List<object?>();
                while (true)
                {
                    SkipSpaces(text, ref position);
                    if (position >= text.Length)
                    {
                        throw new FormatException("unterminated list");
                    }

                    if (text[position] == ')')
                    {
                        position++;
                        return list;
                    }

                    list.Add(ReadValue(text, ref position, depth + 1));
                }
            }

            case '[':
            {
                var end = text.IndexOf(']', position);
                if (end < 0)
                {
                    throw new FormatException("unterminated datum");
                }

                position = end + 1;
                return null;
            }

            default:
            {
                var token = ReadToken(text, ref position);
                return token == "<>" ? null : token;
            }
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        SkipSpaces(text, ref position);
        var builder = new StringBuilder();
        if (position < text.Length && text[position] == '"')
        {
            position++;
            while (position < text.Length && text[position] != '"')
            {
                if (text[position] == '\\' && position + 1 < text.Length)
                {
                    position++;
                }

                builder.Append(text[position++]);
            }

            position++;
            return builder.ToString();
        }

        while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] is not ('{' or '}' or '(' or ')'))
        {
            if (text[position] == '\\' && position + 1 < text.Length)
            {
                position++;
            }

            builder.Append(text[position++]);
        }

        if (builder.Length == 0)
        {
            throw new FormatException($"unexpected '{(position < text.Length ? text[position] : ' ')}' at {position}");
        }

        return builder.ToString();
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }
}
