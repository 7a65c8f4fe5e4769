namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// One masked column as the catalog names it. Names are already normalised the way PostgreSQL
/// folds identifiers: unquoted parts lower-cased, quoted parts kept exactly.
/// </summary>
internal sealed record ColumnRule(string Schema, string Table, string Column, MaskingStrategy Strategy)
{
    public override string ToString() => $"{Schema}.{Table}.{Column} ({Strategy})";
}
