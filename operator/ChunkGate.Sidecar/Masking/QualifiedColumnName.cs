using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Parses <c>schema.table.column</c> the way PostgreSQL reads identifiers: unquoted parts are
/// folded to lower case, <c>"Quoted"</c> parts are kept exactly (<c>""</c> is a quote).
/// </summary>
internal static class QualifiedColumnName
{
    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out string? schema,
        [NotNullWhen(true)] out string? table,
        [NotNullWhen(true)] out string? column,
        [NotNullWhen(false)] out string? error)
    {
        schema = table = column = null;
        var parts = new List<string>(3);
        var current = new StringBuilder();
        var position = 0;
        while (position <= text.Length)
        {
            if (position < text.Length && text[position] == '"')
            {
                var end = position + 1;
                current.Clear();
                while (true)
                {
                    if (end >= text.Length)
                    {
                        error = $"'{text}' has an unterminated quoted identifier.";
                        return false;
                    }

                    if (text[end] == '"')
                    {
                        if (end + 1 < text.Length && text[end + 1] == '"')
                        {
                            current.Append('"');
                            end += 2;
                            continue;
                        }

                        break;
                    }

                    current.Append(text[end]);
                    end++;
                }

                position = end + 1;
                if (current.Length == 0)
                {
                    error = $"'{text}' has an empty quoted identifier.";
                    return false;
                }
            }
            else
            {
                var end = text.IndexOf('.', position);
                if (end < 0)
                {
                    end = text.Length;
                }

                var part = text[position..end].Trim();
                if (part.Length == 0 || part.Contains('"', StringComparison.Ordinal))
                {
                    error = $"'{text}' is not schema.table.column.";
                    return false;
                }

                current.Clear().Append(part.ToLowerInvariant());
                position = end;
            }

            parts.Add(current.ToString());
            if (position >= text.Length)
            {
                break;
            }

            if (text[position] != '.')
            {
                error = $"'{text}' is not schema.table.column.";
                return false;
            }

            position++;
            if (position == text.Length)
            {
                error = $"'{text}' is not schema.table.column.";
                return false;
            }
        }

        if (parts.Count != 3)
        {
            error = $"'{text}' must name schema.table.column (three parts, found {parts.Count}).";
            return false;
        }

        (schema, table, column) = (parts[0], parts[1], parts[2]);
        error = null;
        return true;
    }
}
