using System.Globalization;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Reads a view's rewrite rule (<c>pg_rewrite.ev_action::text</c>, PostgreSQL's node-tree text)
/// just far enough to learn, for each output column of the top-level query that is a plain column
/// reference, the relation and column it comes from (the target entry's <c>resorigtbl</c> and
/// <c>resorigcol</c>, the same information RowDescription reports for a plain query).
/// </summary>
internal static class ViewQueryTree
{
    public readonly record struct ColumnOrigin(short OutputColumn, uint SourceTable, short SourceColumn);

    public static List<ColumnOrigin> OutputColumnOrigins(string tree)
    {
        var origins = new List<ColumnOrigin>();
        var depth = 0;
        var inTargetList = false;
        short resno = 0;
        uint origTable = 0;
        short origColumn = 0;
        var junk = false;
        for (var index = 0; index < tree.Length; index++)
        {
            var c = tree[index];
            switch (c)
            {
                case '\\':
                    index++;
                    continue;
                case '{':
                    depth++;
                    if (inTargetList && depth == 2)
                    {
                        (resno, origTable, origColumn, junk) = (0, 0, 0, false);
                    }

                    continue;
                case '}':
                    if (inTargetList && depth == 2 && resno > 0 && origTable != 0 && origColumn > 0 && !junk)
                    {
                        origins.Add(new ColumnOrigin(resno, origTable, origColumn));
                    }

                    depth--;
                    if (depth == 0 && inTargetList)
                    {
                        // End of the first (top-level) query: later list items are other rule actions.
                        return origins;
                    }

                    continue;
                case ':' when depth is 1 or 2:
                {
                    var keyEnd = tree.IndexOf(' ', index);
                    if (keyEnd < 0)
                    {
                        return origins;
                    }

                    var key = tree.AsSpan(index + 1, keyEnd - index - 1);
                    if (depth == 1)
                    {
                        if (inTargetList)
                        {
                            return origins;
                        }

                        inTargetList = key.SequenceEqual("targetList");
                        index = keyEnd;
                        continue;
                    }

                    if (!inTargetList)
                    {
                        continue;
                    }

                    var valueEnd = keyEnd + 1;
                    while (valueEnd < tree.Length && tree[valueEnd] is not (' ' or '}' or ')' or '{'))
                    {
                        valueEnd++;
                    }

                    var value = tree.AsSpan(keyEnd + 1, valueEnd - keyEnd - 1);
                    switch (key)
                    {
                        case "resno":
                            short.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out resno);
                            break;
                        case "resorigtbl":
                            uint.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out origTable);
                            break;
                        case "resorigcol":
                            short.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out origColumn);
                            break;
                        case "resjunk":
                            junk = value.SequenceEqual("true");
                            break;
                    }

                    index = valueEnd - 1;
                    continue;
                }

                default:
                    continue;
            }
        }

        return origins;
    }
}
