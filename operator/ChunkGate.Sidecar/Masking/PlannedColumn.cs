namespace ChunkGate.Sidecar.Masking;

/// <summary>The decision for one column of a result, with what the strategies need to know about its type.</summary>
internal readonly record struct PlannedColumn(ColumnAction Action, MaskingStrategy Strategy, uint TypeOid, int TypeModifier, bool IsBinary);
