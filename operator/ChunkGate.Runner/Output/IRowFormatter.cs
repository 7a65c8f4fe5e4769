using ChunkGate.Api.Jobs;

namespace ChunkGate.Runner.Output;

/// <summary>
/// Writes rows of text-format values into a <see cref="RowSink"/>, one value at a time, so a row is
/// never materialised as objects. <see cref="Begin"/> is called once per chunk with the columns.
/// </summary>
internal interface IRowFormatter
{
    void Begin(IReadOnlyList<ResultColumn> columns, RowSink sink);

    /// <summary>Value <paramref name="ordinal"/> of the current row: PostgreSQL's text output, or null.</summary>
    void Value(int ordinal, ReadOnlySpan<byte> text, bool isNull, RowSink sink);

    void EndRow(RowSink sink);
}

internal static class RowFormatters
{
    /// <param name="toStandardOutput">Rows share standard output with the records, so nothing may start a line with the record separator.</param>
    public static IRowFormatter For(OutputFormat format, bool toStandardOutput) => format switch
    {
        OutputFormat.JsonLines => new JsonLinesFormatter(),
        _ => new CsvFormatter(toStandardOutput),
    };
}
