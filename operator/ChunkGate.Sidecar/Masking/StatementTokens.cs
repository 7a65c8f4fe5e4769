using System.Text;
using ChunkGate.Sidecar.Parsing;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// The words and constants of the client's own statement, as PostgreSQL's lexer reads them
/// (comments are no tokens): an error may quote one of these back, since the client wrote it.
/// Matching is exact, never by substring: a comment listing every date, or <c>'xxAsthmaxx'</c>,
/// must not make the server's quoting of a value look like an echo of the client.
/// </summary>
internal sealed class StatementTokens
{
    // gram.h numbering, which libpg_query's ScanToken reuses.
    private const int Ident = 258;
    private const int UnicodeIdent = 259;
    private const int Float = 260;
    private const int String = 261;
    private const int UnicodeString = 262;
    private const int Integer = 266;
    private const int LineComment = 275;
    private const int BlockComment = 276;

    private readonly HashSet<string> words;
    private readonly HashSet<string> numbers;
    private readonly HashSet<string> dotted;

    private StatementTokens(HashSet<string> words, HashSet<string> numbers, HashSet<string> dotted)
    {
        this.dotted = dotted;
        this.words = words;
        this.numbers = numbers;
    }

    public static StatementTokens Empty { get; } = new([], [], []);

    public static StatementTokens Of(ReadOnlySpan<byte> statement)
    {
        if (statement.IsEmpty || PgQuery.Tokens(statement) is not { } tokens)
        {
            return Empty;
        }

        var words = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        var dotted = new HashSet<string>(StringComparer.Ordinal);
        var name = new List<(string Written, string Folded)>();
        foreach (var token in tokens)
        {
            CollectDottedName(statement, token, name, dotted);
            if (token.Kind is LineComment or BlockComment || token.End > statement.Length || token.Start < 0 || token.End <= token.Start)
            {
                continue;
            }

            var text = Encoding.UTF8.GetString(statement[token.Start..token.End]);
            switch (token.Kind)
            {
                case < Ident:
                    // One-character tokens (operators such as = or +): a signature the server prints may hold them.
                    words.Add(text);
                    break;
                case Integer or Float:
                    numbers.Add(text);
                    words.Add(text);
                    break;
                case String or UnicodeString:
                    words.Add(text);
                    words.Add(Unquote(text));
                    break;
                case Ident or UnicodeIdent when text.StartsWith('"'):
                    words.Add(Unquote(text));
                    break;
                default:
                    // Unquoted identifiers and keywords: PostgreSQL folds ASCII letters to lower case.
                    words.Add(text);
                    words.Add(text.ToLowerInvariant());
                    break;
            }
        }

        CollectDottedName(statement, default, name, dotted);
        return new StatementTokens(words, numbers, dotted);
    }

    /// <summary>
    /// Gathers names written as <c>a.b</c> or <c>a.b.c</c> (identifiers joined by dots, in the
    /// statement as one run of tokens), as written and as folded: only these count as dotted
    /// names the client wrote, never parts joined by the server or by a value.
    /// </summary>
    private static void CollectDottedName(ReadOnlySpan<byte> statement, SqlToken token, List<(string Written, string Folded)> name, HashSet<string> dotted)
    {
        var expectsPart = name.Count == 0 || name[^1].Written == ".";
        if (IsNamePart(token) && expectsPart && token.End <= statement.Length && token.Start >= 0 && token.End > token.Start)
        {
            var text = Encoding.UTF8.GetString(statement[token.Start..token.End]);
            name.Add(text.StartsWith('"') ? (Unquote(text), Unquote(text)) : (text, text.ToLowerInvariant()));
            return;
        }

        if (token.Kind == '.' && name.Count > 0 && !expectsPart)
        {
            name.Add((".", "."));
            return;
        }

        if (name.Count >= 3 && name[^1].Written != ".")
        {
            dotted.Add(string.Concat(name.Select(part => part.Written)));
            dotted.Add(string.Concat(name.Select(part => part.Folded)));
        }

        name.Clear();
        if (IsNamePart(token))
        {
            CollectDottedName(statement, token, name, dotted);
        }
    }

    /// <summary>Identifiers and keywords (gram.h numbers keywords after the comment tokens): <c>customers.name</c> has the keyword NAME in it.</summary>
    private static bool IsNamePart(SqlToken token) => token.Kind is Ident or UnicodeIdent or > BlockComment;

    /// <summary>Whether <paramref name="fragment"/> is one token, or a dotted name the statement holds as written (<c>public.t</c>).</summary>
    public bool Wrote(ReadOnlySpan<byte> fragment)
    {
        var text = Encoding.UTF8.GetString(fragment);
        return words.Contains(text) || dotted.Contains(text);
    }

    public bool WroteNumber(ReadOnlySpan<byte> digits) => numbers.Contains(Encoding.ASCII.GetString(digits));

    /// <summary>The text between the quotes of <c>'…'</c>, <c>E'…'</c>, <c>U&amp;'…'</c>, <c>$tag$…$tag$</c> or <c>"…"</c>, doubled quotes undone (escapes are not: no match, so redacted).</summary>
    private static string Unquote(string token)
    {
        if (token.StartsWith('$'))
        {
            var tagEnd = token.IndexOf('$', 1);
            return tagEnd > 0 && token.Length >= (2 * (tagEnd + 1)) ? token[(tagEnd + 1)..^(tagEnd + 1)] : token;
        }

        var open = token.IndexOfAny(['\'', '"']);
        if (open < 0 || token.Length < open + 2 || token[^1] != token[open])
        {
            return token;
        }

        var quote = token[open];
        return token[(open + 1)..^1].Replace(new string(quote, 2), quote.ToString(), StringComparison.Ordinal);
    }
}
