using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Runner.Output;

namespace ChunkGate.Runner.Tests.Output;

public sealed class FormatterTests
{
    private static readonly ResultColumn[] Columns = [new("id", 20), new("name", 25), new("ok", 16), new("doc", 114), new("n", 1700)];

    [Test]
    public void Csv_QuotesLikeCopy_AndDefusesTheRecordSeparatorOnStandardOutput()
    {
        var text = Format(OutputFormat.Csv, toStandardOutput: true,
            ["1", "plain", "t", null, "1.5"],
            ["2", "a,\"b\"\nx\u001e{}", "f", "", "NaN"]);

        text.Should().Be("id,name,ok,doc,n\n1,plain,t,,1.5\n2,\"a,\"\"b\"\"\nx\u241e{}\",f,\"\",NaN\n");
    }

    [Test]
    public void Csv_ToAFile_KeepsTheRecordSeparator() =>
        Format(OutputFormat.Csv, toStandardOutput: false, ["1", "\u001e", "t", null, "1"]).Should().Contain("\"\u001e\"");

    [Test]
    public void JsonLines_TypesNumbersBooleansAndJson_AndEscapesEverythingElse()
    {
        var text = Format(OutputFormat.JsonLines, toStandardOutput: true,
            ["1", "line\nbreak \"q\" \\ \u001e", "t", "{\"a\":\n1}", "NaN"],
            [null, "x", "f", null, "-2.50"]);

        text.Should().Be("{\"id\":1,\"name\":\"line\\nbreak \\\"q\\\" \\\\ \\u001e\",\"ok\":true,\"doc\":{\"a\": 1},\"n\":\"NaN\"}\n"
            + "{\"id\":null,\"name\":\"x\",\"ok\":false,\"doc\":null,\"n\":-2.50}\n");
        text.Split('\n').Should().HaveCount(3, "one line per row");
    }

    [Test]
    public void CountLines_CountsRowsNotLineBreaksInsideQuotedValues()
    {
        var quoted = false;
        var first = CopyCsvStream.CountLines("id,v\n1,\"a\nb\"\n2,\"x\"\""u8, ref quoted);
        var second = CopyCsvStream.CountLines("\ny\"\n"u8, ref quoted);

        (first + second).Should().Be(3, "header, row 1 and row 2 whose value spans the two blocks");
    }

    private static string Format(OutputFormat format, bool toStandardOutput, params string?[][] rows)
    {
        using var output = new MemoryStream();
        using (var sink = RowSink.ToStandardOutput(output))
        {
            var formatter = RowFormatters.For(format, toStandardOutput);
            formatter.Begin(Columns, sink);
            foreach (var row in rows)
            {
                for (var i = 0; i < row.Length; i++)
                {
                    formatter.Value(i, row[i] is { } value ? Encoding.UTF8.GetBytes(value) : default, row[i] is null, sink);
                }

                formatter.EndRow(sink);
            }

            sink.Commit(_ => { });
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }
}
