namespace ChunkGate.Sidecar.Guardrails;

/// <summary>Kind of a token that matters to the guardrails; literals and comments are skipped.</summary>
internal enum SqlTokenKind
{
    End,
    Word,
    QuotedWord,
    Semicolon,
    OpenParen,
    CloseParen,
    Other,
}

/// <summary>
/// A lexer over UTF-8 SQL bytes that knows exactly enough of PostgreSQL's lexical rules to
/// never mistake the inside of a string, quoted identifier, dollar-quoted body or comment for
/// a keyword: <c>'…'</c> (with <c>''</c>), <c>E'…'</c> (backslash escapes), <c>"…"</c>,
/// <c>$tag$…$tag$</c>, <c>--</c> and nested <c>/* */</c>. Allocates nothing.
/// </summary>
internal ref struct SqlTokenizer(ReadOnlySpan<byte> sql)
{
    private readonly ReadOnlySpan<byte> sql = sql;
    private int position;

    public ReadOnlySpan<byte> Token { get; private set; }

    public SqlTokenKind Next()
    {
        while (position < sql.Length)
        {
            var c = sql[position];
            if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f')
            {
                position++;
                continue;
            }

            if (c == '-' && At(position + 1) == '-')
            {
                var end = sql[position..].IndexOf((byte)'\n');
                position = end < 0 ? sql.Length : position + end + 1;
                continue;
            }

            if (c == '/' && At(position + 1) == '*')
            {
                SkipBlockComment();
                continue;
            }

            if (c == '\'')
            {
                SkipString(backslashEscapes: false);
                continue;
            }

            if (c == '"')
            {
                var start = ++position;
                while (position < sql.Length)
                {
                    if (sql[position] == '"')
                    {
                        if (At(position + 1) == '"')
                        {
                            position += 2;
                            continue;
                        }

                        break;
                    }

                    position++;
                }

                Token = sql[start..Math.Min(position, sql.Length)];
                position++;
                return SqlTokenKind.QuotedWord;
            }

            if (c == '$')
            {
                if (TrySkipDollarQuoted())
                {
                    continue;
                }

                position++;
                while (position < sql.Length && IsDigit(sql[position]))
                {
                    position++;
                }

                Token = default;
                return SqlTokenKind.Other;
            }

            if (IsWordStart(c))
            {
                var start = position++;
                while (position < sql.Length && IsWordPart(sql[position]))
                {
                    position++;
                }

                // E'…' is an escape string; B'', X'', N'' and U& strings follow the standard rules.
                if (position - start == 1 && At(position) == '\'')
                {
                    SkipString(backslashEscapes: c is (byte)'E' or (byte)'e');
                    continue;
                }

                Token = sql[start..position];
                return SqlTokenKind.Word;
            }

            position++;
            Token = default;
            return c switch
            {
                (byte)';' => SqlTokenKind.Semicolon,
                (byte)'(' => SqlTokenKind.OpenParen,
                (byte)')' => SqlTokenKind.CloseParen,
                _ => SqlTokenKind.Other,
            };
        }

        Token = default;
        return SqlTokenKind.End;
    }

    private readonly int At(int index) => index < sql.Length ? sql[index] : -1;

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsWordStart(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or >= 0x80;

    private static bool IsWordPart(byte c) => IsWordStart(c) || IsDigit(c) || c == '$';

    private void SkipBlockComment()
    {
        var depth = 0;
        while (position < sql.Length)
        {
            if (sql[position] == '/' && At(position + 1) == '*')
            {
                depth++;
                position += 2;
            }
            else if (sql[position] == '*' && At(position + 1) == '/')
            {
                depth--;
                position += 2;
                if (depth == 0)
                {
                    return;
                }
            }
            else
            {
                position++;
            }
        }
    }

    private void SkipString(bool backslashEscapes)
    {
        position++;
        while (position < sql.Length)
        {
            var c = sql[position];
            if (backslashEscapes && c == '\\')
            {
                position += 2;
                continue;
            }

            if (c == '\'')
            {
                if (At(position + 1) == '\'')
                {
                    position += 2;
                    continue;
                }

                position++;
                return;
            }

            position++;
        }
    }

    private bool TrySkipDollarQuoted()
    {
        var end = position + 1;
        if (end < sql.Length && IsDigit(sql[end]))
        {
            return false;
        }

        while (end < sql.Length && sql[end] != '$')
        {
            if (!IsWordPart(sql[end]) || sql[end] == '$')
            {
                return false;
            }

            end++;
        }

        if (end >= sql.Length)
        {
            return false;
        }

        var delimiter = sql[position..(end + 1)];
        var bodyStart = end + 1;
        var close = sql[bodyStart..].IndexOf(delimiter);
        position = close < 0 ? sql.Length : bodyStart + close + delimiter.Length;
        return true;
    }
}
