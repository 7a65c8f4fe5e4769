using System.Text;
using ChunkGate.Recording;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Recording;

namespace ChunkGate.Sidecar.Tests.Recording;

public sealed class ReplayTests
{
    private static async Task<string> RecordAndReplayAsync(Action<SessionRecorder, ManualClock> act)
    {
        var clock = new ManualClock();
        var stream = new MemoryStream();
        var recorder = new SessionRecorder(stream, new StatementTextMasker(new MaskedColumnSet([], ["ssn"]), DetectorKinds.All), clock, ownsDestination: false);
        act(recorder, clock);
        await recorder.DisposeAsync();
        stream.Position = 0;
        var output = new StringWriter();
        Replay.Format(stream, output);
        return output.ToString();
    }

    [Test]
    public async Task Format_PrintsAReadableTimeline()
    {
        var timeline = await RecordAndReplayAsync((recorder, clock) =>
        {
            var session = recorder.StartSession(new SessionInfo("cg_run_7", "shop", "read"));
            clock.Advance(TimeSpan.FromSeconds(1));
            var statement = session.StatementStarted("SELECT id,\n       ssn\nFROM customers WHERE ssn = '123-45-6789'", StatementProtocol.Extended,
                [new ParameterShape(PgTypeOid.Int4, 4, true)]);
            session.ColumnsDescribed(statement, [new RecordedColumn("id", PgTypeOid.Int4, ColumnAction.PassThrough, default), new RecordedColumn("ssn", PgTypeOid.Text, ColumnAction.Mask, MaskingStrategy.Last4), new RecordedColumn("note", PgTypeOid.Text, ColumnAction.Scan, default)]);
            clock.Advance(TimeSpan.FromMilliseconds(3.25));
            session.StatementCompleted(statement, new StatementOutcome("SELECT 3", 3, 2048, 4));
            var refused = session.StatementStarted("DELETE FROM customers", StatementProtocol.Simple);
            session.StatementCompleted(refused, new StatementOutcome(null, 0, 0, 0, "25006", "read-only session: DELETE is not allowed", Refused: true));
            clock.Advance(TimeSpan.FromSeconds(2));
            session.Ended("approval expired", 5 * 1024 * 1024, 300);
        });

        var lines = timeline.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("10:00:00.000  (+   0.000s)  [1] session started  user=cg_run_7  database=shop  action=read");
        lines[1].Should().StartWith("10:00:01.000  (+   1.000s)  [1] #1 extended  SELECT id, ssn FROM customers WHERE ssn = '***'");
        lines[2].Trim().Should().Be("parameters: int4(4 bytes, binary)");
        lines[3].Should().EndWith("#1 columns: id, ssn [last4], note [detectors]");
        lines[4].Should().EndWith("#1 done: SELECT 3  · 3.25 ms · 3 rows · 2.0 KB · 4 masked");
        lines[5].Should().EndWith("[1] #2 simple  DELETE FROM customers");
        lines[6].Should().Contain("#2 REFUSED 25006: read-only session: DELETE is not allowed");
        lines[7].Should().StartWith("10:00:03.003  (+   3.003s)  [1] session ended: approval expired  · 5.0 MB to client · 300 B to server");
        timeline.Should().NotContain("6789");
    }

    [Test]
    public async Task Format_NamesEndingsOtherThanCompletion()
    {
        var timeline = await RecordAndReplayAsync((recorder, _) =>
        {
            var session = recorder.StartSession(new SessionInfo("cg_run_7", "shop", "read"));
            foreach (var ending in new[] { StatementEnding.Suspended, StatementEnding.Empty, StatementEnding.Skipped, StatementEnding.Unanswered })
            {
                var statement = session.StatementStarted("SELECT 1", StatementProtocol.Extended);
                session.StatementCompleted(statement, new StatementOutcome(null, 2, 10, 0, Ending: ending));
            }
        });

        var ends = timeline.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("SELECT 1", StringComparison.Ordinal)).Skip(1).ToList();
        ends.Should().HaveCount(4);
        ends[0].Should().Contain("#1 suspended at the row limit").And.Contain("2 rows");
        ends[1].Should().Contain("#2 empty query");
        ends[2].Should().Contain("#3 SKIPPED: not run, after an earlier error in the pipeline");
        ends[3].Should().Contain("#4 UNANSWERED: the session ended first");
    }

    [Test]
    public void Format_ReportsUnreadableLines_AndGoesOn()
    {
        var recording = "{\"time\":\"2026-11-23T10:00:00.000000Z\",\"event\":\"session.start\"}\nnot json\n[1,2]\n\n{\"time\":\"2026-11-23T10:00:00.500000Z\",\"event\":\"mystery\"}\n{\"event\":\"session.end\",\"reason\":\"x\",\"dropped\":3}\n";
        var output = new StringWriter();

        var shown = Replay.Format(new MemoryStream(Encoding.UTF8.GetBytes(recording)), output);

        shown.Should().Be(3);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(5);
        lines[1].Should().Be("(line 2: not a recording event, skipped)");
        lines[2].Should().Be("(line 3: not a recording event, skipped)");
        lines[3].Should().EndWith("(+   0.500s)  mystery (unknown event)");
        lines[4].Should().Contain("session ended: x").And.Contain("3 recording events DROPPED");
    }
}
