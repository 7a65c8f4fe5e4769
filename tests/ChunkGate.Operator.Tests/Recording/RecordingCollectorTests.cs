using System.Text.Json;
using ChunkGate.Operator.Recording;

namespace ChunkGate.Operator.Tests.Recording;

public sealed class RecordingCollectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private static string Line(int session, string text = "SELECT 1") =>
        JsonSerializer.Serialize(new { time = "2026-11-30T10:00:00.000000Z", session, @event = "statement", text });

    [Test]
    public void IsRecordingLine_TellsRecordingLinesFromTheSidecarsLogLines()
    {
        RecordingCollector.IsRecordingLine(System.Text.Encoding.UTF8.GetBytes(Line(1))).Should().BeTrue();
        RecordingCollector.IsRecordingLine("info: ChunkGate.Sidecar[0] listening on 127.0.0.1:6432"u8).Should().BeFalse();
        RecordingCollector.IsRecordingLine("{\"level\":\"warn\"}"u8).Should().BeFalse();
    }

    [Test]
    public void Collect_KeepsOneSidecarsLinesAsTheyAre()
    {
        var text = RecordingCollector.Collect([[Line(1), Line(2)]], 64 * 1024, Now);

        text.Should().Be(Line(1) + "\n" + Line(2) + "\n");
    }

    [Test]
    public void Collect_NamesTheShardOfEachLine_WhenThereAreSeveral()
    {
        var text = RecordingCollector.Collect([[Line(1)], [Line(1)]], 64 * 1024, Now);

        var lines = text.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Select(l => l.GetProperty("shard").GetInt32()).Should().Equal(0, 1);
        lines.Should().OnlyContain(l => l.GetProperty("session").GetInt32() == 1 && l.GetProperty("event").GetString() == "statement");
    }

    [Test]
    public void Collect_CutsAtTheSizeBound_WithAMarkerThatSaysHowMuch()
    {
        var lines = Enumerable.Range(1, 1000).Select(i => Line(i, new string('s', 100))).ToList();

        var text = RecordingCollector.Collect([lines], 8 * 1024, Now);

        System.Text.Encoding.UTF8.GetByteCount(text).Should().BeLessOrEqualTo(8 * 1024);
        var kept = text.TrimEnd('\n').Split('\n');
        var marker = JsonDocument.Parse(kept[^1]).RootElement;
        marker.GetProperty("event").GetString().Should().Be("recording.truncated");
        marker.GetProperty("droppedLines").GetInt32().Should().Be(1000 - (kept.Length - 1));
        kept[..^1].Should().Equal(lines.Take(kept.Length - 1), "the start of the session is kept, in order");
    }
}
