using System.Text;
using ChunkGate.Operator.Progress;

namespace ChunkGate.Operator.Tests.Progress;

public sealed class LogLinesTests
{
    private static async Task<List<string>> LinesAsync(string log, long maxBytes = 1 << 20, int maxLine = 16)
    {
        var lines = new List<string>();
        await LogLines.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), maxBytes, maxLine, line => lines.Add(Encoding.UTF8.GetString(line.Span)), CancellationToken.None);
        return lines;
    }

    [Test]
    public async Task ReadAsync_SplitsLines_IncludingALastOneWithoutNewline()
    {
        (await LinesAsync("a\nbb\n\nccc")).Should().Equal("a", "bb", "", "ccc");
    }

    [Test]
    public async Task ReadAsync_SkipsAnOversizedLineWhole_NeverItsPieces()
    {
        var forged = new string('x', 40) + "\u001e{\"chunkgate\":1}";

        (await LinesAsync($"ok\n{forged}\nafter\n")).Should().Equal("ok", "after");
    }

    [Test]
    public async Task ReadAsync_SkipsAnOversizedLine_LongerThanTheBuffer()
    {
        (await LinesAsync("a\n" + new string('y', 200_000) + "\nb\n", maxLine: 8)).Should().Equal("a", "b");
    }

    [Test]
    public async Task ReadAsync_StopsAtTheByteBound_WithoutACutLastLine()
    {
        (await LinesAsync("one\ntwo\nthree\n", maxBytes: 10)).Should().Equal("one", "two");
    }
}
