using ChunkGate.Api.Validation;

namespace ChunkGate.Broker.Sql;

/// <summary>A table as the catalog names it (quotes removed), parsed from a spec's <c>schema.table</c>.</summary>
public sealed record TableName(string Schema, string Table)
{
    public string Quoted => SqlText.Qualified(Schema, Table);

    public static TableName Parse(string qualified) =>
        Identifiers.TryParseQualified(qualified, 2, out var parts)
            ? new TableName(parts[0], parts[1])
            : throw new BrokerException($"'{qualified}' is not a table name of the form schema.table", retryable: false);

    public override string ToString() => $"{Schema}.{Table}";
}
