namespace ChunkGate.Broker.Sql;

/// <summary>A column of a table as pg_attribute describes it; <see cref="TypeName"/> is <c>format_type</c>'s spelling (with typmod).</summary>
internal sealed record CatalogColumn(string Name, uint TypeOid, int TypeModifier, string TypeName);

/// <summary>A table's live columns in attribute order.</summary>
internal sealed record CatalogTable(TableName Name, IReadOnlyList<CatalogColumn> Columns);
