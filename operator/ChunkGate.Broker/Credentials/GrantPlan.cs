using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Sql;

namespace ChunkGate.Broker.Credentials;

/// <summary>A listed table as the grants see it: all its columns, and which of them are masked.</summary>
internal sealed record TableAccess(TableName Table, IReadOnlyList<string> Columns, IReadOnlySet<string> MaskedColumns)
{
    public bool IsMasked => MaskedColumns.Count > 0;
}

/// <summary>
/// The statements that give a role exactly what its action needs on exactly its tables (rule 5),
/// and the masking layer's side of rule 6a: on a table with masked columns the role gets SELECT on
/// the unmasked columns only, and the same privileges on the table's masking view. Pure: the
/// broker runs them in the transaction that creates the role, and again when rules change.
/// </summary>
internal static class GrantPlan
{
    public static IReadOnlyList<string> Grants(string role, JobAction action, IReadOnlyList<TableAccess> tables)
    {
        var grantee = SqlText.Identifier(role);
        var statements = new List<string>();
        var schemas = tables.Select(access => access.Table.Schema).Distinct(StringComparer.Ordinal).ToList();
        var anyMasked = tables.Any(access => access.IsMasked);
        foreach (var schema in schemas)
        {
            statements.Add($"GRANT USAGE ON SCHEMA {SqlText.Identifier(schema)} TO {grantee}");
        }

        if (anyMasked)
        {
            statements.Add($"GRANT USAGE ON SCHEMA {SqlText.Identifier(BrokerSchema.Masked)} TO {grantee}");
        }

        var privileges = action == JobAction.Write ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT";
        foreach (var access in tables)
        {
            if (!access.IsMasked)
            {
                statements.Add($"GRANT {privileges} ON TABLE {access.Table.Quoted} TO {grantee}");
                continue;
            }

            var readable = access.Columns.Where(column => !access.MaskedColumns.Contains(column)).ToList();
            if (readable.Count > 0)
            {
                statements.Add($"GRANT SELECT ({string.Join(", ", readable.Select(SqlText.Identifier))}) ON TABLE {access.Table.Quoted} TO {grantee}");
            }

            if (action == JobAction.Write)
            {
                // Writing needs no read: a WHERE, SET expression or RETURNING naming a masked column
                // still needs SELECT on it, which the role does not have.
                statements.Add($"GRANT INSERT, UPDATE, DELETE ON TABLE {access.Table.Quoted} TO {grantee}");
            }

            statements.Add($"GRANT {privileges} ON TABLE {MaskingView(access.Table)} TO {grantee}");
        }

        if (action == JobAction.Transform)
        {
            var scratch = SqlText.Identifier(RoleNames.ScratchSchema(role));
            statements.Add($"CREATE SCHEMA IF NOT EXISTS {scratch}");
            statements.Add($"GRANT USAGE, CREATE ON SCHEMA {scratch} TO {grantee}");
        }

        statements.Add($"ALTER ROLE {grantee} SET search_path = {string.Join(", ", SearchPath(role, action, schemas, anyMasked).Select(SqlText.Identifier))}");
        return statements;
    }

    /// <summary>Takes back every table privilege of the role on its tables and their views (before re-granting after a rule change).</summary>
    public static IReadOnlyList<string> Revokes(string role, IReadOnlyList<TableName> tables, IReadOnlySet<TableName> withViews)
    {
        var grantee = SqlText.Identifier(role);
        var statements = tables.Select(table => $"REVOKE ALL ON TABLE {table.Quoted} FROM {grantee}").ToList();
        statements.AddRange(withViews.Select(table => $"REVOKE ALL ON TABLE {MaskingView(table)} FROM {grantee}"));
        return statements;
    }

    public static string MaskingView(TableName table) => SqlText.Qualified(BrokerSchema.Masked, table.Table);

    /// <summary>
    /// The masking views come first, so an unqualified name of a masked table reads its view; a
    /// transform's scratch schema comes before them so that CREATE TABLE lands there.
    /// </summary>
    private static IEnumerable<string> SearchPath(string role, JobAction action, IReadOnlyList<string> schemas, bool anyMasked)
    {
        if (action == JobAction.Transform)
        {
            yield return RoleNames.ScratchSchema(role);
        }

        if (anyMasked)
        {
            yield return BrokerSchema.Masked;
        }

        foreach (var schema in schemas)
        {
            yield return schema;
        }
    }
}
