using System.Buffers;
using System.Text;

namespace ChunkGate.Runner.Output;

/// <summary>
/// CSV as PostgreSQL's <c>COPY … (FORMAT csv, HEADER)</c> writes it (which a CSV export uses, so
/// both paths give the same file): a header row, LF after each row, RFC 4180 quoting (a value
/// holding a comma, a quote, CR or LF is quoted, quotes doubled), NULL an empty field and an empty
/// string <c>""</c>. On standard output, whose lines the operator reads for
/// records, a record separator (0x1E) in a value is written as ␞ (U+241E): otherwise a value
/// holding a line break followed by 0x1E would start a line that reads as a record.
/// </summary>
internal sealed class CsvFormatter(bool toStandardOutput) : IRowFormatter
{
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create(",\"\r\n\x1e"u8);
    private static readonly byte[] RecordSeparatorStandIn = Encoding.UTF8.GetBytes("\u241E");

    private bool headerWritten;

    public void Begin(IReadOnlyList<ResultColumn> columns, RowSink sink)
    {
        if (headerWritten)
        {
            return;
        }

        headerWritten = true;
        for (var i = 0; i < columns.Count; i++)
        {
            Value(i, Encoding.UTF8.GetBytes(columns[i].Name), isNull: false, sink);
        }

        EndRow(sink);
    }

    public void Value(int ordinal, ReadOnlySpan<byte> text, bool isNull, RowSink sink)
    {
        if (ordinal > 0)
        {
            sink.Write(","u8);
        }

        if (isNull)
        {
            return;
        }

        if (text.Length > 0 && text.IndexOfAny(NeedsQuotes) < 0)
        {
            sink.Write(text);
            return;
        }

        WriteQuoted(text, sink);
    }

    public void EndRow(RowSink sink) => sink.Write("\n"u8);

    private void WriteQuoted(ReadOnlySpan<byte> text, RowSink sink)
    {
        sink.Write("\""u8);
        while (true)
        {
            var special = text.IndexOfAny((byte)'"', (byte)0x1E);
            if (special < 0)
            {
                sink.Write(text);
                break;
            }

            sink.Write(text[..special]);
            if (text[special] == (byte)'"')
            {
                sink.Write("\"\""u8);
            }
            else if (toStandardOutput)
            {
                sink.Write(RecordSeparatorStandIn);
            }
            else
            {
                sink.Write(text.Slice(special, 1));
            }

            text = text[(special + 1)..];
        }

        sink.Write("\""u8);
    }
}
