using System.Text.RegularExpressions;

namespace ChunkGate.Api.Validation;

/// <summary>
/// PostgreSQL identifiers as ChunkGate accepts them in specs: unquoted ones lower-case (what
/// PostgreSQL folds them to, so what you write is what the catalog holds), mixed-case or
/// unusual ones in double quotes with "" for a quote.
/// </summary>
public static partial class Identifiers
{
    private const string Identifier = @"([a-z_][a-z0-9_$]{0,62}|""([^""]|""""){1,63}"")";

    public const string IdentifierPattern = "^" + Identifier + "$";
    public const string QualifiedTablePattern = "^" + Identifier + @"\." + Identifier + "$";
    public const string QualifiedColumnPattern = "^" + Identifier + @"\." + Identifier + @"\." + Identifier + "$";

    public static bool IsIdentifier(string? text) => text is not null && IdentifierRegex().IsMatch(text);

    /// <summary>A Kubernetes object name: a lower-case RFC 1123 subdomain of at most 253 characters.</summary>
    public static bool IsObjectName(string? text) => text is { Length: > 0 and <= 253 } && DnsSubdomainRegex().IsMatch(text);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomainRegex();

    /// <summary>Splits a dotted name into its unquoted parts; false unless it has exactly <paramref name="parts"/> valid parts.</summary>
    public static bool TryParseQualified(string? text, int parts, out IReadOnlyList<string> names)
    {
        names = [];
        if (text is null)
        {
            return false;
        }

        var result = new List<string>(parts);
        var position = 0;
        while (position <= text.Length)
        {
            if (position < text.Length && text[position] == '"')
            {
                var builder = new System.Text.StringBuilder();
                position++;
                var closed = false;
                while (position < text.Length)
                {
                    if (text[position] == '"')
                    {
                        if (position + 1 < text.Length && text[position + 1] == '"')
                        {
                            builder.Append('"');
                            position += 2;
                            continue;
                        }

                        closed = true;
                        position++;
                        break;
                    }

                    builder.Append(text[position++]);
                }

                if (!closed || builder.Length == 0 || builder.Length > 63)
                {
                    return false;
                }

                result.Add(builder.ToString());
            }
            else
            {
                var end = text.IndexOf('.', position);
                var part = end < 0 ? text[position..] : text[position..end];
                if (!UnquotedRegex().IsMatch(part))
                {
                    return false;
                }

                result.Add(part);
                position += part.Length;
            }

            if (position == text.Length)
            {
                break;
            }

            if (text[position] != '.')
            {
                return false;
            }

            position++;
            if (position == text.Length)
            {
                return false;
            }
        }

        if (result.Count != parts)
        {
            return false;
        }

        names = result;
        return true;
    }

    [GeneratedRegex(IdentifierPattern)]
    private static partial Regex IdentifierRegex();

    [GeneratedRegex("^[a-z_][a-z0-9_$]{0,62}$")]
    private static partial Regex UnquotedRegex();
}
