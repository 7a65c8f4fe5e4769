using Npgsql;
using NpgsqlTypes;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Resolves the policy's <c>schema.table.column</c> rules to (table OID, attribute number) through
/// the catalog, once per session, on a connection that sees the same database as the client.
/// Then adds the same columns of inheritance children and partitions, and follows views (and
/// materialized views) whose output columns reference a masked column, plainly or in an expression — PostgreSQL's RowDescription names the view's own OID and column there — through every
/// level of nesting. Rules naming a missing table or column become warnings, not failures.
/// </summary>
internal static class CatalogResolver
{
    /// <summary>Nested views deeper than this are not followed (a cycle is impossible, but be bounded).</summary>
    private const int MaxViewDepth = 32;

    private const string ResolveColumnsSql = """
        SELECT r.ordinality::int, c.oid, c.relkind::text, a.attnum
        FROM unnest(@schemas::text[], @tables::text[], @columns::text[]) WITH ORDINALITY AS r(schema_name, table_name, column_name, ordinality)
        LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = r.schema_name
        LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.table_name
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = r.column_name AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY 1
        """;

    // The view's _RETURN rule depends on the relations it reads; its query tree says, for each
    // output column that is a plain column reference, which relation and column it comes from
    // (resorigtbl/resorigcol). Views in chunkgate_masked are the database's masking layer (the
    // credential broker's, owned by the admin, nobody else may create there): their columns
    // are masked already, and masking them again would hash a hash.
    private const string DependentViewsSql = """
        SELECT DISTINCT rw.ev_class, rw.ev_action::text
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
        JOIN pg_catalog.pg_class v ON v.oid = rw.ev_class
        WHERE d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid = ANY(@relations::oid[])
          AND rw.rulename = '_RETURN'
          AND rw.ev_class <> ALL(@relations::oid[])
          AND v.relnamespace <> coalesce(to_regnamespace('chunkgate_masked'), 0)
        """;

    // Inheritance children and partitions of a masked table hold the same column under the same
    // name (possibly another attnum); selecting from them directly reports the child's OID.
    private const string DescendantColumnsSql = """
        WITH RECURSIVE masked(relid, attnum, ordinality) AS (
            SELECT * FROM unnest(@relations::oid[], @attributes::int2[]) WITH ORDINALITY),
        tree(ordinality, child) AS (
            SELECT m.ordinality, i.inhrelid FROM masked m JOIN pg_catalog.pg_inherits i ON i.inhparent = m.relid
            UNION
            SELECT t.ordinality, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.child)
        SELECT t.ordinality::int, t.child, ca.attnum
        FROM tree t
        JOIN masked m ON m.ordinality = t.ordinality
        JOIN pg_catalog.pg_attribute pa ON pa.attrelid = m.relid AND pa.attnum = m.attnum
        JOIN pg_catalog.pg_attribute ca ON ca.attrelid = t.child AND ca.attname = pa.attname AND ca.attnum > 0 AND NOT ca.attisdropped
        """;

    private const string RowTypesSql = """
        SELECT c.reltype, t.typarray FROM pg_catalog.pg_class c JOIN pg_catalog.pg_type t ON t.oid = c.reltype
        WHERE c.oid = ANY(@relations::oid[])
        """;

    // Base types of the string category that are not built in (OIDs below 16384 are), e.g. citext.
    private const string ExtensionTextTypesSql = """
        SELECT oid FROM pg_catalog.pg_type WHERE typcategory = 'S' AND typtype = 'b' AND oid >= 16384
        """;

    private const string ColumnNamesSql = """
        SELECT attrelid, attnum, attname::text FROM pg_catalog.pg_attribute
        WHERE attrelid = ANY(@relations::oid[]) AND attnum > 0 AND NOT attisdropped
        """;

    public static async Task<CatalogResolution> ResolveAsync(NpgsqlConnection connection, MaskingPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Columns.Count == 0)
        {
            return new CatalogResolution(MaskedColumnSet.Empty, []);
        }

        var warnings = new List<string>();
        var masked = new Dictionary<(uint TableOid, short AttributeNumber), MaskingStrategy>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var command = new NpgsqlCommand(ResolveColumnsSql, connection))
        {
            command.Parameters.AddWithValue("schemas", policy.Columns.Select(rule => rule.Schema).ToArray());
            command.Parameters.AddWithValue("tables", policy.Columns.Select(rule => rule.Table).ToArray());
            command.Parameters.AddWithValue("columns", policy.Columns.Select(rule => rule.Column).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var rule = policy.Columns[reader.GetInt32(0) - 1];
                if (reader.IsDBNull(1))
                {
                    warnings.Add($"masking rule {Describe(rule)}: table {rule.Schema}.{rule.Table} does not exist in this database; the rule matches nothing.");
                    continue;
                }

                if (reader.IsDBNull(3))
                {
                    warnings.Add($"masking rule {Describe(rule)}: table {rule.Schema}.{rule.Table} has no column {rule.Column}; the rule matches nothing.");
                    continue;
                }

                masked[(reader.GetFieldValue<uint>(1), reader.GetInt16(3))] = rule.Strategy;
                names.Add(rule.Column);
            }
        }

        if (masked.Count > 0)
        {
            await AddDescendantsAsync(connection, masked, cancellationToken).ConfigureAwait(false);
        }

        // Follow views level by level: each round looks for views reading any relation that now
        // has masked columns and was not examined yet.
        var examined = new HashSet<uint>();
        var frontier = masked.Keys.Select(key => key.TableOid).ToHashSet();
        var viewColumns = new List<(uint View, short Column)>();
        for (var depth = 0; depth < MaxViewDepth && frontier.Count > 0; depth++)
        {
            examined.UnionWith(frontier);
            var next = new HashSet<uint>();
            await using var command = new NpgsqlCommand(DependentViewsSql, connection);
            command.Parameters.Add(new NpgsqlParameter("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid) { Value = examined.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var views = new List<(uint Oid, string Tree)>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                views.Add((reader.GetFieldValue<uint>(0), reader.GetString(1)));
            }

            foreach (var (view, tree) in views)
            {
                // Plain references keep their rule's strategy; an expression over masked columns
                // (upper(ssn), ssn || '', a whole-row reference) takes the strongest one it reads.
                var decided = new Dictionary<short, MaskingStrategy>();
                foreach (var origin in ViewQueryTree.OutputColumnOrigins(tree))
                {
                    if (masked.TryGetValue((origin.SourceTable, origin.SourceColumn), out var strategy))
                    {
                        decided[origin.OutputColumn] = strategy;
                    }
                }

                var plain = decided.Keys.ToHashSet();
                foreach (var reference in ViewQueryTree.OutputColumnReferences(tree))
                {
                    if (plain.Contains(reference.OutputColumn) || !TryStrategyOf(masked, reference.SourceTable, reference.SourceColumn, out var strategy))
                    {
                        continue;
                    }

                    decided[reference.OutputColumn] = decided.TryGetValue(reference.OutputColumn, out var earlier) ? Strongest(earlier, strategy) : strategy;
                }

                foreach (var (column, strategy) in decided)
                {
                    if (masked.TryAdd((view, column), strategy))
                    {
                        viewColumns.Add((view, column));
                        next.Add(view);
                    }
                }
            }

            next.ExceptWith(examined);
            frontier = next;
        }

        if (viewColumns.Count > 0)
        {
            await AddViewColumnNamesAsync(connection, viewColumns, names, cancellationToken).ConfigureAwait(false);
        }

        var relations = masked.Keys.Select(key => key.TableOid).Distinct().ToArray();
        var rowTypes = relations.Length == 0 ? [] : await RowTypesAsync(connection, relations, cancellationToken).ConfigureAwait(false);
        var known = relations.Length == 0 ? [] : await KnownColumnsAsync(connection, relations, cancellationToken).ConfigureAwait(false);
        var textTypes = new List<uint>();
        await using (var command = new NpgsqlCommand(ExtensionTextTypesSql, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                textTypes.Add(reader.GetFieldValue<uint>(0));
            }
        }

        return new CatalogResolution(new MaskedColumnSet(masked, names, rowTypes, known, textTypes), warnings);
    }

    /// <summary>Every live column of the relations with masked columns, to notice later ALTER TABLEs.</summary>
    private static async Task<List<(uint, short)>> KnownColumnsAsync(NpgsqlConnection connection, uint[] relations, CancellationToken cancellationToken)
    {
        var known = new List<(uint, short)>();
        await using var command = new NpgsqlCommand(ColumnNamesSql, connection);
        command.Parameters.Add(new NpgsqlParameter("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid) { Value = relations });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            known.Add((reader.GetFieldValue<uint>(0), reader.GetInt16(1)));
        }

        return known;
    }

    private static async Task<List<uint>> RowTypesAsync(NpgsqlConnection connection, uint[] relations, CancellationToken cancellationToken)
    {
        var rowTypes = new List<uint>();
        await using var command = new NpgsqlCommand(RowTypesSql, connection);
        command.Parameters.Add(new NpgsqlParameter("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid) { Value = relations });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var ordinal in new[] { 0, 1 })
            {
                if (!reader.IsDBNull(ordinal) && reader.GetFieldValue<uint>(ordinal) is var oid && oid != 0)
                {
                    rowTypes.Add(oid);
                }
            }
        }

        return rowTypes;
    }

    private static async Task AddDescendantsAsync(NpgsqlConnection connection, Dictionary<(uint TableOid, short AttributeNumber), MaskingStrategy> masked, CancellationToken cancellationToken)
    {
        var roots = masked.ToArray();
        await using var command = new NpgsqlCommand(DescendantColumnsSql, connection);
        command.Parameters.Add(new NpgsqlParameter("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid) { Value = roots.Select(root => root.Key.TableOid).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("attributes", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = roots.Select(root => root.Key.AttributeNumber).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            masked.TryAdd((reader.GetFieldValue<uint>(1), reader.GetInt16(2)), roots[reader.GetInt32(0) - 1].Value);
        }
    }

    private static async Task AddViewColumnNamesAsync(NpgsqlConnection connection, List<(uint View, short Column)> viewColumns, HashSet<string> names, CancellationToken cancellationToken)
    {
        var wanted = viewColumns.ToHashSet();
        await using var command = new NpgsqlCommand(ColumnNamesSql, connection);
        command.Parameters.Add(new NpgsqlParameter("relations", NpgsqlDbType.Array | NpgsqlDbType.Oid) { Value = viewColumns.Select(column => column.View).Distinct().ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains((reader.GetFieldValue<uint>(0), reader.GetInt16(1))))
            {
                names.Add(reader.GetString(2));
            }
        }
    }

    /// <summary>Column 0 stands for a whole-row reference: any masked column of the relation.</summary>
    private static bool TryStrategyOf(Dictionary<(uint TableOid, short AttributeNumber), MaskingStrategy> masked, uint table, short column, out MaskingStrategy strategy)
    {
        if (column > 0)
        {
            return masked.TryGetValue((table, column), out strategy);
        }

        strategy = default;
        var found = false;
        foreach (var (key, value) in masked)
        {
            if (key.TableOid == table)
            {
                strategy = found ? Strongest(strategy, value) : value;
                found = true;
            }
        }

        return found;
    }

    /// <summary>NULL hides most, then redact, then hash (joinable), then last4 (shows four characters).</summary>
    private static MaskingStrategy Strongest(MaskingStrategy first, MaskingStrategy second) => Rank(first) >= Rank(second) ? first : second;

    private static int Rank(MaskingStrategy strategy) => strategy switch
    {
        MaskingStrategy.Null => 4,
        MaskingStrategy.Redact => 3,
        MaskingStrategy.Hash => 2,
        _ => 1,
    };

    private static string Describe(ColumnRule rule) => $"{rule.Schema}.{rule.Table}.{rule.Column}";
}
