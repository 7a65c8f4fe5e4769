using System.Collections.Frozen;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// The masked columns of one session as the catalog identifies them: (table or view OID,
/// attribute number) → strategy. Built by <see cref="CatalogResolver"/>; lookups allocate nothing.
/// </summary>
internal sealed class MaskedColumnSet
{
    private readonly FrozenDictionary<ulong, MaskingStrategy> strategies;

    public MaskedColumnSet(
        IEnumerable<KeyValuePair<(uint TableOid, short AttributeNumber), MaskingStrategy>> columns,
        IEnumerable<string> columnNames,
        IEnumerable<uint>? rowTypes = null,
        IEnumerable<(uint TableOid, short AttributeNumber)>? knownColumns = null,
        IEnumerable<uint>? textTypes = null)
    {
        TextTypes = (textTypes ?? []).ToFrozenSet();
        strategies = columns.ToFrozenDictionary(pair => Key(pair.Key.TableOid, pair.Key.AttributeNumber), pair => pair.Value);
        ColumnNames = columnNames.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        RowTypes = (rowTypes ?? []).ToFrozenSet();
        var known = (knownColumns ?? []).ToList();
        this.knownColumns = known.Select(column => Key(column.TableOid, column.AttributeNumber)).ToFrozenSet();
        trackedRelations = known.Select(column => column.TableOid).ToFrozenSet();
    }

    /// <summary>
    /// Extension string types of this database (e.g. <c>citext</c>, whose OID differs per
    /// database): their values are text in both formats, so the strategies treat them as text.
    /// </summary>
    public FrozenSet<uint> TextTypes { get; }

    private readonly FrozenSet<ulong> knownColumns;
    private readonly FrozenSet<uint> trackedRelations;

    /// <summary>
    /// True when <paramref name="tableOid"/> has masked columns but <paramref name="attributeNumber"/>
    /// did not exist when the catalog was read: the table changed since (<c>ALTER TABLE … DROP/ADD
    /// COLUMN</c> may have recreated a masked column under a new number). Plans mask such a column
    /// with NULL and say so (<see cref="ColumnPlan.HasStaleColumns"/>) so the proxy resolves again.
    /// </summary>
    public bool IsStale(uint tableOid, short attributeNumber) =>
        attributeNumber > 0 && trackedRelations.Contains(tableOid) && !knownColumns.Contains(Key(tableOid, attributeNumber));

    public static MaskedColumnSet Empty { get; } = new([], []);

    public int Count => strategies.Count;

    /// <summary>
    /// Names of masked columns (base tables and the view columns that expose them). Used to mask
    /// literals compared with them in statement text (<c>WHERE ssn = '…'</c>) for the recording,
    /// and the key values of error details (<c>Key (ssn)=(…)</c>).
    /// </summary>
    public FrozenSet<string> ColumnNames { get; }

    /// <summary>
    /// Row types (and their array types) of the relations that have masked columns: a whole-row
    /// reference (<c>SELECT c FROM customers c</c>, <c>array_agg(c)</c>) carries every column, the
    /// masked ones included, so such a value is replaced by NULL.
    /// </summary>
    public FrozenSet<uint> RowTypes { get; }

    public bool TryGetStrategy(uint tableOid, short attributeNumber, out MaskingStrategy strategy)
    {
        if (tableOid == 0 || attributeNumber <= 0)
        {
            strategy = default;
            return false;
        }

        return strategies.TryGetValue(Key(tableOid, attributeNumber), out strategy);
    }

    private static ulong Key(uint tableOid, short attributeNumber) => ((ulong)tableOid << 16) | (ushort)attributeNumber;
}
