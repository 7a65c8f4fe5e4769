using System.Buffers;
using System.Text;

namespace ChunkGate.Runner.Output;

/// <summary>
/// Passes the CSV text of <c>COPY … TO STDOUT (FORMAT csv)</c> into a <see cref="RowSink"/> as
/// UTF-8, counting its rows (line feeds outside quoted values), and, on standard output, writing a
/// record separator (0x1E) as ␞ (U+241E) exactly as <see cref="CsvFormatter"/> does: PostgreSQL
/// leaves a value starting with 0x1E unquoted, so it would start a line.
/// </summary>
internal sealed class CopyCsvStream(bool toStandardOutput)
{
    private static readonly SearchValues<char> Structure = SearchValues.Create("\"\n");
    private readonly char[] block = new char[16 * 1024];

    /// <summary>Copies everything <paramref name="reader"/> yields; returns the rows, the header line not counted.</summary>
    public long Copy(TextReader reader, bool header, RowSink sink)
    {
        var lines = 0L;
        var quoted = false;
        int read;
        while ((read = reader.Read(block, 0, block.Length)) > 0)
        {
            var text = block.AsSpan(0, read);
            if (toStandardOutput)
            {
                text.Replace('\u001e', '\u241e');
            }

            lines += CountLines(text, ref quoted);
            var bytes = sink.Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
            sink.Advance(Encoding.UTF8.GetBytes(text, bytes));
        }

        return header && lines > 0 ? lines - 1 : lines;
    }

    /// <summary>Line feeds outside quoted values; a doubled quote inside one flips the state twice, so it needs no special case.</summary>
    internal static long CountLines(ReadOnlySpan<char> text, ref bool quoted)
    {
        var lines = 0L;
        while (true)
        {
            var next = text.IndexOfAny(Structure);
            if (next < 0)
            {
                return lines;
            }

            if (text[next] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted)
            {
                lines++;
            }

            text = text[(next + 1)..];
        }
    }
}
