using System.Text;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>
/// Reads CSV as PostgreSQL's COPY writes it (RFC 4180 quoting, LF or CRLF line ends) into records
/// whose fields keep COPY's one distinction beyond RFC 4180: an unquoted empty field is NULL
/// (<c>null</c>), a quoted one (<c>""</c>) the empty string. Strict: an unterminated quote throws.
/// </summary>
internal static class CsvRecords
{
    public static List<string?[]> Parse(string text)
    {
        var records = new List<string?[]>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var quotedField = false;
        var index = 0;
        while (index < text.Length)
        {
            var c = text[index];
            if (c == '"')
            {
                if (field.Length > 0 || quotedField)
                {
                    throw new FormatException($"a quote inside an unquoted field at {index}");
                }

                quotedField = true;
                var close = index + 1;
                while (true)
                {
                    close = text.IndexOf('"', close);
                    if (close < 0)
                    {
                        throw new FormatException($"an unterminated quoted field from {index}");
                    }

                    if (close + 1 < text.Length && text[close + 1] == '"')
                    {
                        close += 2;
                        continue;
                    }

                    break;
                }

                field.Append(text, index + 1, close - index - 1).Replace("\"\"", "\"");
                index = close + 1;
                continue;
            }

            if (c is ',' or '\n' || (c == '\r' && index + 1 < text.Length && text[index + 1] == '\n'))
            {
                fields.Add(field.Length == 0 && !quotedField ? null : field.ToString());
                field.Clear();
                quotedField = false;
                if (c != ',')
                {
                    records.Add([.. fields]);
                    fields.Clear();
                    index += c == '\r' ? 1 : 0;
                }

                index++;
                continue;
            }

            field.Append(c);
            index++;
        }

        if (fields.Count > 0 || field.Length > 0 || quotedField)
        {
            throw new FormatException("the last record has no line end");
        }

        return records;
    }
}
