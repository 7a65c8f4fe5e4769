using System.Text;
using ChunkGate.Runner.Output;

namespace ChunkGate.Runner.Tests.Output;

public sealed class CopyCsvStreamTests
{
    [Test]
    public void Copy_ToAFile_PassesEveryByteThrough_AndCountsRowsNotLineBreaksInQuotes()
    {
        var (csv, rows) = Csv(rowCount: 5_000);

        var (written, counted) = Copy(csv, toStandardOutput: false);

        counted.Should().Be(rows);
        written.Should().Equal(csv, "the file gets COPY's bytes as they are, 0x1E included");
    }

    [Test]
    public void Copy_ToStandardOutput_WritesEveryRecordSeparatorAsTheSymbol_AndNothingElseChanges()
    {
        var (csv, rows) = Csv(rowCount: 5_000);

        var (written, counted) = Copy(csv, toStandardOutput: true);

        counted.Should().Be(rows);
        written.Should().NotContain(0x1E);
        Encoding.UTF8.GetString(written).Should().Be(Encoding.UTF8.GetString(csv).Replace('\u001e', '\u241e'));
    }

    [Test]
    public void Copy_OfOnlyAHeader_CountsNoRow() =>
        Copy("id,name\n"u8.ToArray(), toStandardOutput: true).Rows.Should().Be(0);

    /// <summary>A header and rows as PostgreSQL writes them, with quoted line breaks, doubled quotes, 0x1E and multi-byte UTF-8, over many of the sink's blocks.</summary>
    private static (byte[] Csv, long Rows) Csv(int rowCount)
    {
        var text = new StringBuilder("id,name,note\n");
        for (var i = 0; i < rowCount; i++)
        {
            text.Append(i).Append(',').Append((i % 5) switch
            {
                0 => "\"multi\nline, \"\"quoted\"\"\r\n\"",
                1 => "\u001eleading separator",
                2 => "Zoë 東京",
                3 => "\"\"",
                _ => new string('x', i % 700),
            }).Append(',').Append(i % 7 == 0 ? "" : "\"\u001e\n\"").Append('\n');
        }

        return (Encoding.UTF8.GetBytes(text.ToString()), rowCount);
    }

    private static (byte[] Written, long Rows) Copy(byte[] csv, bool toStandardOutput)
    {
        using var output = new MemoryStream();
        long rows;
        using (var sink = RowSink.ToStandardOutput(output))
        {
            rows = new CopyCsvStream(toStandardOutput).Copy(new MessageStream(csv), header: true, sink);
            sink.Commit(_ => { });
        }

        return (output.ToArray(), rows);
    }

    /// <summary>Yields a line at most per read, as Npgsql's copy stream yields one CopyData message, and sometimes less.</summary>
    private sealed class MessageStream(byte[] bytes) : Stream
    {
        private int position;
        private int reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var rest = bytes.AsSpan(position);
            var line = rest.IndexOf((byte)'\n');
            var length = Math.Min(buffer.Length, line < 0 ? rest.Length : line + 1);
            if (++reads % 3 == 0)
            {
                length = Math.Min(length, 7);
            }

            rest[..length].CopyTo(buffer);
            position += length;
            return length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
