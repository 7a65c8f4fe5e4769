using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// What a <c>COPY … TO STDOUT</c> statement reads and how it formats its output, parsed from the
/// statement text so that its columns can be described (COPY sends no RowDescription).
/// </summary>
/// <param name="Source">The relation (<c>schema.table</c>, as written) or the query in parentheses.</param>
/// <param name="IsQuery">True for <c>COPY (query) TO …</c>.</param>
/// <param name="ColumnList">The column list as written (<c>a, "B"</c>), null when absent.</param>
/// <param name="Format">Text, CSV or binary.</param>
/// <param name="Delimiter">Field delimiter (tab for text, comma for CSV unless DELIMITER says otherwise).</param>
/// <param name="Header">CSV HEADER: the first CopyData row holds column names and is not masked.</param>
internal sealed partial record CopyStatement(string Source, bool IsQuery, string? ColumnList, CopyFormat Format, byte Delimiter, bool Header)
{
    /// <summary>The query whose RowDescription describes the COPY's columns (returns no rows).</summary>
    public string DescribeQuery => IsQuery
        ? $"SELECT * FROM ({Source}) AS copy_source LIMIT 0"
        : $"SELECT {ColumnList ?? "*"} FROM {Source} LIMIT 0";

    /// <summary>Parses <c>COPY … TO STDOUT …</c>; false for anything else (COPY FROM, COPY TO a file…).</summary>
    public static bool TryParse(string statement, [NotNullWhen(true)] out CopyStatement? copy)
    {
        copy = null;
        var text = statement.Trim().TrimEnd(';').Trim();
        var head = CopyKeyword().Match(text);
        if (!head.Success)
        {
            return false;
        }

        var position = head.Length;
        string source;
        string? columns = null;
        var isQuery = false;
        if (position < text.Length && text[position] == '(')
        {
            var end = MatchingParenthesis(text, position);
            if (end < 0)
            {
                return false;
            }

            source = text[(position + 1)..end].Trim();
            isQuery = true;
            position = end + 1;
        }
        else
        {
            var start = position;
            position = SkipName(text, position);
            source = text[start..position].Trim();
            if (source.Length == 0)
            {
                return false;
            }

            var afterName = SkipSpaces(text, position);
            if (afterName < text.Length && text[afterName] == '(')
            {
                var end = MatchingParenthesis(text, afterName);
                if (end < 0)
                {
                    return false;
                }

                columns = text[(afterName + 1)..end].Trim();
                position = end + 1;
            }
        }

        var options = text[position..];
        var target = ToStdout().Match(options);
        if (!target.Success)
        {
            return false;
        }

        options = options[(target.Index + target.Length)..];
        var format = CopyFormat.Text;
        if (FormatOption().Match(options) is { Success: true } formatMatch)
        {
            format = formatMatch.Groups[1].Value.ToLowerInvariant() switch
            {
                "csv" => CopyFormat.Csv,
                "binary" => CopyFormat.Binary,
                _ => CopyFormat.Text,
            };
        }
        else if (LegacyCsv().IsMatch(options))
        {
            format = CopyFormat.Csv;
        }
        else if (LegacyBinary().IsMatch(options))
        {
            format = CopyFormat.Binary;
        }

        var delimiter = format == CopyFormat.Csv ? (byte)',' : (byte)'\t';
        if (DelimiterOption().Match(options) is { Success: true } delimiterMatch && delimiterMatch.Groups[1].Value.Length == 1)
        {
            delimiter = (byte)delimiterMatch.Groups[1].Value[0];
        }

        var header = HeaderOption().Match(options) is { Success: true } headerMatch
            && headerMatch.Groups[1].Value.ToLowerInvariant() is "" or "true" or "on" or "1" or "match";
        copy = new CopyStatement(source, isQuery, columns, format, delimiter, header);
        return true;
    }

    private static int MatchingParenthesis(string text, int open)
    {
        var depth = 0;
        for (var index = open; index < text.Length; index++)
        {
            switch (text[index])
            {
                case '\'':
                    index = text.IndexOf('\'', index + 1);
                    if (index < 0)
                    {
                        return -1;
                    }

                    break;
                case '"':
                    index = text.IndexOf('"', index + 1);
                    if (index < 0)
                    {
                        return -1;
                    }

                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        return index;
                    }

                    break;
            }
        }

        return -1;
    }

    private static int SkipName(string text, int position)
    {
        while (position < text.Length)
        {
            var c = text[position];
            if (c == '"')
            {
                var end = text.IndexOf('"', position + 1);
                position = end < 0 ? text.Length : end + 1;
            }
            else if (char.IsLetterOrDigit(c) || c is '_' or '$' or '.')
            {
                position++;
            }
            else
            {
                break;
            }
        }

        return position;
    }

    private static int SkipSpaces(string text, int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        return position;
    }

    [GeneratedRegex(@"^copy\s+", RegexOptions.IgnoreCase)]
    private static partial Regex CopyKeyword();

    [GeneratedRegex(@"^\s*to\s+stdout\b", RegexOptions.IgnoreCase)]
    private static partial Regex ToStdout();

    [GeneratedRegex(@"\bformat\s+'?(text|csv|binary)'?", RegexOptions.IgnoreCase)]
    private static partial Regex FormatOption();

    [GeneratedRegex(@"\bcsv\b", RegexOptions.IgnoreCase)]
    private static partial Regex LegacyCsv();

    [GeneratedRegex(@"\bbinary\b", RegexOptions.IgnoreCase)]
    private static partial Regex LegacyBinary();

    [GeneratedRegex(@"\bdelimiter\s+(?:as\s+)?E?'([^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex DelimiterOption();

    [GeneratedRegex(@"\bheader\b\s*'?(true|false|on|off|1|0|match)?'?", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderOption();
}
