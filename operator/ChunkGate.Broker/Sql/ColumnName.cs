using ChunkGate.Api.Validation;

namespace ChunkGate.Broker.Sql;

/// <summary>A column as the catalog names it, parsed from a masking rule's <c>schema.table.column</c>.</summary>
public sealed record ColumnName(TableName Table, string Column)
{
    public static ColumnName Parse(string qualified) =>
        Identifiers.TryParseQualified(qualified, 3, out var parts)
            ? new ColumnName(new TableName(parts[0], parts[1]), parts[2])
            : throw new BrokerException($"'{qualified}' is not a column name of the form schema.table.column", retryable: false);

    public override string ToString() => $"{Table}.{Column}";
}
