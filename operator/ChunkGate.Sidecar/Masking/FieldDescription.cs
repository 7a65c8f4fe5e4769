namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// One field of a <c>RowDescription</c>, without its name (so parsing it allocates nothing).
/// <para>
/// <see cref="FormatCode"/> must be the format the rows will actually arrive in: a
/// RowDescription answering a <c>Describe</c> of a statement says 0 (text) because the formats are
/// only chosen at <c>Bind</c>; the proxy applies the Bind's result-format codes before planning.
/// </para>
/// </summary>
/// <param name="TableOid">Table (or view) OID, 0 when the field is not a plain column reference.</param>
/// <param name="ColumnAttributeNumber">Attribute number in that table, 0 when not a column.</param>
/// <param name="TypeOid">Data type OID.</param>
/// <param name="TypeSize">pg_type.typlen (negative for variable width).</param>
/// <param name="TypeModifier">Type modifier (atttypmod), -1 when none.</param>
/// <param name="FormatCode">0 text, 1 binary.</param>
internal readonly record struct FieldDescription(
    uint TableOid,
    short ColumnAttributeNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    short FormatCode)
{
    public bool IsBinary => FormatCode == 1;
}
