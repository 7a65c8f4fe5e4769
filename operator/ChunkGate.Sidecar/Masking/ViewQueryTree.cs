namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Reads a view's rewrite rule (<c>pg_rewrite.ev_action::text</c>, PostgreSQL's node-tree text)
/// far enough to learn which base-relation columns each output column of the view reads: plain
/// references (the target entry's <c>resorigtbl</c>/<c>resorigcol</c>, what RowDescription reports
/// for a plain query) and every column an output expression uses (<c>upper(ssn)</c>,
/// <c>ssn || ''</c>), through joins and subqueries in FROM. Runs once per session per dependent
/// view, off the data path.
/// </summary>
internal static class ViewQueryTree
{
    /// <summary>Nested queries and joins deeper than this are not followed.</summary>
    private const int MaxDepth = 64;

    public readonly record struct ColumnOrigin(short OutputColumn, uint SourceTable, short SourceColumn);

    /// <summary>Output columns that are plain references to a relation column.</summary>
    public static List<ColumnOrigin> OutputColumnOrigins(string tree)
    {
        var origins = new List<ColumnOrigin>();
        foreach (var entry in TopLevelTargets(tree))
        {
            if (Int(entry, "resno") is > 0 and <= short.MaxValue and var resno
                && UInt(entry, "resorigtbl") is > 0 and var table
                && Int(entry, "resorigcol") is > 0 and <= short.MaxValue and var column
                && Token(entry, "resjunk") != "true")
            {
                origins.Add(new ColumnOrigin((short)resno, table, (short)column));
            }
        }

        return origins;
    }

    /// <summary>Every (output column, relation column) pair where the output column's expression reads that column.</summary>
    public static List<ColumnOrigin> OutputColumnReferences(string tree)
    {
        var references = new List<ColumnOrigin>();
        var query = TopLevelQuery(tree);
        if (query is null)
        {
            return references;
        }

        foreach (var entry in Nodes(query, "targetList"))
        {
            if (Int(entry, "resno") is > 0 and <= short.MaxValue and var resno && Token(entry, "resjunk") != "true")
            {
                var found = new HashSet<(uint, short)>();
                CollectColumns(Field(entry, "expr"), query, 0, found, 0);
                references.AddRange(found.Select(pair => new ColumnOrigin((short)resno, pair.Item1, pair.Item2)));
            }
        }

        return references;
    }

    private static IEnumerable<NodeTree.Node> TopLevelTargets(string tree) =>
        TopLevelQuery(tree) is { } query ? Nodes(query, "targetList") : [];

    private static NodeTree.Node? TopLevelQuery(string tree)
    {
        var parsed = NodeTree.TryParse(tree);
        return parsed switch
        {
            NodeTree.Node { Name: "QUERY" } node => node,
            List<object?> list when list.Count > 0 && list[0] is NodeTree.Node { Name: "QUERY" } first => first,
            _ => null,
        };
    }

    /// <summary>
    /// Walks an expression: a Var of this query level (varlevelsup equal to the number of sublink
    /// queries entered) names a range-table entry of <paramref name="query"/>: a relation gives the
    /// column itself, a join its alias expressions, a subquery the expression of its target entry.
    /// </summary>
    private static void CollectColumns(object? value, NodeTree.Node query, int sublinkLevel, HashSet<(uint, short)> found, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        switch (value)
        {
            case List<object?> list:
                foreach (var item in list)
                {
                    CollectColumns(item, query, sublinkLevel, found, depth + 1);
                }

                break;
            case NodeTree.Node { Name: "VAR" } variable:
                if (Int(variable, "varlevelsup") == sublinkLevel && Int(variable, "varno") is > 0 and var varno && Int(variable, "varattno") is { } attno)
                {
                    ResolveRangeEntry(query, varno, attno, found, depth + 1);
                }

                break;
            case NodeTree.Node { Name: "QUERY" } sublinkQuery:
                // A subquery in an expression (EXISTS, scalar subquery): its own Vars at level 0
                // refer to its own range table, those at level n+1 to ours.
                foreach (var field in sublinkQuery.Fields.Values)
                {
                    CollectColumns(field, query, sublinkLevel + 1, found, depth + 1);
                }

                CollectOwnColumns(sublinkQuery, found, depth + 1);
                break;
            case NodeTree.Node node:
                foreach (var field in node.Fields.Values)
                {
                    CollectColumns(field, query, sublinkLevel, found, depth + 1);
                }

                break;
        }
    }

    /// <summary>Columns a nested query reads from its own range table (all of its output and conditions).</summary>
    private static void CollectOwnColumns(NodeTree.Node query, HashSet<(uint, short)> found, int depth)
    {
        foreach (var (name, field) in query.Fields)
        {
            if (name != "rtable")
            {
                CollectColumns(field, query, 0, found, depth + 1);
            }
        }
    }

    private static void ResolveRangeEntry(NodeTree.Node query, long varno, long attno, HashSet<(uint, short)> found, int depth)
    {
        var rangeTable = Field(query, "rtable") as List<object?>;
        if (depth > MaxDepth || rangeTable is null || varno > rangeTable.Count || rangeTable[(int)varno - 1] is not NodeTree.Node entry)
        {
            return;
        }

        switch (Int(entry, "rtekind"))
        {
            case 0 when UInt(entry, "relid") is > 0 and var relid:
                if (attno > 0 && attno <= short.MaxValue)
                {
                    found.Add((relid, (short)attno));
                }
                else if (attno == 0)
                {
                    // A whole-row Var reads every column: recorded as column 0, which the resolver
                    // treats as "any masked column of this relation".
                    found.Add((relid, 0));
                }

                break;
            case 1 when Field(entry, "subquery") is NodeTree.Node subquery:
                CollectSubqueryTarget(subquery, attno, found, depth);

                // A set operation (UNION, INTERSECT, EXCEPT) names only its first branch in the
                // output Vars; every branch contributes rows, so read the same column of all of them.
                if (Field(query, "setOperations") is NodeTree.Node)
                {
                    foreach (var branch in rangeTable.OfType<NodeTree.Node>())
                    {
                        if (!ReferenceEquals(branch, entry) && Int(branch, "rtekind") == 1 && Field(branch, "subquery") is NodeTree.Node other)
                        {
                            CollectSubqueryTarget(other, attno, found, depth);
                        }
                    }
                }

                break;
            case 2 when Field(entry, "joinaliasvars") is List<object?> aliases:
                if (attno > 0 && attno <= aliases.Count)
                {
                    CollectColumns(aliases[(int)attno - 1], query, 0, found, depth + 1);
                }
                else if (attno == 0)
                {
                    CollectColumns(aliases, query, 0, found, depth + 1);
                }

                break;
        }
    }

    private static void CollectSubqueryTarget(NodeTree.Node subquery, long attno, HashSet<(uint, short)> found, int depth)
    {
        foreach (var target in Nodes(subquery, "targetList"))
        {
            if (attno == 0 || Int(target, "resno") == attno)
            {
                CollectColumns(Field(target, "expr"), subquery, 0, found, depth + 1);
            }
        }

        // The branch may itself be a set operation: its Vars then point at its own branches.
        if (Field(subquery, "setOperations") is NodeTree.Node && depth < MaxDepth)
        {
            foreach (var branch in Nodes(subquery, "rtable"))
            {
                if (Int(branch, "rtekind") == 1 && Field(branch, "subquery") is NodeTree.Node nested)
                {
                    CollectSubqueryTarget(nested, attno, found, depth + 1);
                }
            }
        }
    }

    private static IEnumerable<NodeTree.Node> Nodes(NodeTree.Node node, string field) =>
        Field(node, field) is List<object?> list ? list.OfType<NodeTree.Node>() : [];

    private static object? Field(NodeTree.Node node, string name)
    {
        if (!node.Fields.TryGetValue(name, out var value))
        {
            return null;
        }

        // A field holding one value is stored as that value; several tokens stay a list.
        return value;
    }

    private static string? Token(NodeTree.Node node, string name) => Field(node, name) as string;

    private static long? Int(NodeTree.Node node, string name) =>
        long.TryParse(Token(node, name), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    private static uint? UInt(NodeTree.Node node, string name) =>
        uint.TryParse(Token(node, name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
}
