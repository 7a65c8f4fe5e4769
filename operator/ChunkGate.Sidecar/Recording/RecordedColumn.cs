using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Recording;

/// <summary>One result column as recorded: its name, type and what masking does to it.</summary>
internal readonly record struct RecordedColumn(string Name, uint TypeOid, ColumnAction Action, MaskingStrategy Strategy);
