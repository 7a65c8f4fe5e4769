using ChunkGate.Sidecar.Guardrails;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// What a <c>COPY … TO STDOUT</c> statement reads and how it formats its output, from PostgreSQL's
/// parse tree (<see cref="CopyOptions"/>), so that its columns can be described (COPY sends no RowDescription).
/// </summary>
/// <param name="Source">The relation (quoted <c>"schema"."table"</c>) or the query inside the parentheses.</param>
/// <param name="IsQuery">True for <c>COPY (query) TO …</c>.</param>
/// <param name="ColumnList">The column list (quoted identifiers), null when absent.</param>
/// <param name="Format">Text, CSV or binary.</param>
/// <param name="Delimiter">Field delimiter (tab for text, comma for CSV unless DELIMITER says otherwise).</param>
/// <param name="Header">HEADER: the first CopyData row holds column names and is not masked.</param>
internal sealed record CopyStatement(string Source, bool IsQuery, string? ColumnList, CopyFormat Format, byte Delimiter, bool Header)
{
    /// <summary>The query whose RowDescription describes the COPY's columns (returns no rows).</summary>
    public string DescribeQuery => IsQuery
        ? $"SELECT * FROM ({Source}) AS copy_source LIMIT 0"
        : $"SELECT {ColumnList ?? "*"} FROM {Source} LIMIT 0";

    /// <summary>An identifier quoted so PostgreSQL reads back exactly this name.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
