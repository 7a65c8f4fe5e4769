namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// The masking decision for every column of one <c>RowDescription</c>, computed once by
/// <see cref="ResultMasker.Plan"/> and reused for every row. Immutable and safe to cache per
/// prepared statement / portal; re-plan when a new RowDescription arrives.
/// </summary>
internal sealed class ColumnPlan
{
    private readonly PlannedColumn[] columns;

    internal ColumnPlan(PlannedColumn[] columns, bool hasStaleColumns = false)
    {
        this.columns = columns;
        HasStaleColumns = hasStaleColumns;
        foreach (var column in columns)
        {
            switch (column.Action)
            {
                case ColumnAction.Mask:
                    MaskedColumnCount++;
                    break;
                case ColumnAction.Scan:
                    ScannedColumnCount++;
                    break;
            }
        }
    }

    /// <summary>A plan for a result without columns (or with nothing to mask).</summary>
    public static ColumnPlan Empty { get; } = new([]);

    public int ColumnCount => columns.Length;

    /// <summary>Columns replaced by a column rule.</summary>
    public int MaskedColumnCount { get; }

    /// <summary>Columns scanned by the value detectors.</summary>
    public int ScannedColumnCount { get; }

    /// <summary>
    /// False when every column passes through: the proxy forwards DataRow / CopyData messages
    /// untouched and never calls the masker (the zero-cost path).
    /// </summary>
    public bool NeedsRewrite => MaskedColumnCount + ScannedColumnCount > 0;

    public ReadOnlySpan<PlannedColumn> Columns => columns;

    /// <summary>
    /// A column of a table with masked columns was unknown to the catalog snapshot (the table was
    /// altered since): it is masked with NULL. The proxy should run <see cref="CatalogResolver"/>
    /// again and re-plan.
    /// </summary>
    public bool HasStaleColumns { get; }

    public PlannedColumn this[int index] => columns[index];
}
