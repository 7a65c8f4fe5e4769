using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Recording;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>
/// The recording as OTLP log records: the same masked lines as the file, through the real
/// OpenTelemetry logging pipeline (processor then exporter, as the sidecar wires it), each
/// statement's lines under its statement span and session lines under the run's trace.
/// </summary>
public sealed class RecordingLogRecordTests
{
    private static readonly MaskedColumnSet Columns = new([new((1u, (short)3), MaskingStrategy.Last4)], ["ssn"]);
    private static readonly ActivityContext RunTrace = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
    private static readonly ActivityContext StatementSpan = new(RunTrace.TraceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    [Test]
    public async Task LogRecords_AreTheFileLines_WithTheStatementSpanOrTheRunTrace()
    {
        var exported = new List<Exported>();
        var file = new MemoryStream();
        using (var factory = Pipeline(exported))
        {
            await using var recorder = new SessionRecorder(file, Masker(), new ManualClock(), ownsDestination: false,
                logRecords: factory.CreateLogger(RecordingLogRecord.Category), runTrace: RunTrace);
            Record(recorder);
        }

        var fileLines = Encoding.UTF8.GetString(file.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        exported.Select(record => record.Body).Should().Equal(fileLines);
        exported.Select(record => record.Attributes["chunkgate.recording.event"]).Should().Equal("session.start", "statement", "columns", "statement.end", "error", "session.end");
        exported.Select(record => record.SpanId).Should().Equal(
            RunTrace.SpanId, StatementSpan.SpanId, StatementSpan.SpanId, StatementSpan.SpanId, RunTrace.SpanId, RunTrace.SpanId);
        exported.Should().OnlyContain(record => record.TraceId == RunTrace.TraceId);
        exported.Should().OnlyContain(record => !record.Attributes.ContainsKey(RecordingLogRecord.TraceIdAttribute) && !record.Attributes.ContainsKey(RecordingLogRecord.SpanIdAttribute));
        exported[1].Attributes["chunkgate.statement.id"].Should().Be(1L);
        exported[0].Attributes.Should().NotContainKey("chunkgate.statement.id");
    }

    [Test]
    public async Task LogRecords_WithoutAFile_NeverHoldARawValue()
    {
        var exported = new List<Exported>();
        using (var factory = Pipeline(exported))
        {
            await using var recorder = SessionRecorder.Open(null, Masker(), new ManualClock(), logRecords: factory.CreateLogger(RecordingLogRecord.Category), runTrace: RunTrace);
            Record(recorder);
        }

        exported.Should().HaveCount(6);
        var everything = string.Join("\n", exported.Select(record => record.Body + " " + string.Join(" ", record.Attributes.Values)));
        everything.Should().NotContain("123-45-6789").And.NotContain("4111111111111111");
        JsonDocument.Parse(exported[1].Body).RootElement.GetProperty("text").GetString().Should().Contain("ssn = '");
    }

    [Test]
    public void Recorder_WithNeitherFileNorLogRecords_IsRefused()
    {
        var create = () => new SessionRecorder(null, Masker(), new ManualClock());

        create.Should().Throw<ArgumentException>().WithMessage("*needs a file, log records, or both*");
    }

    [Test]
    public void Processor_LeavesOtherCategoriesAlone()
    {
        var exported = new List<Exported>();
        using (var factory = Pipeline(exported))
        {
            factory.CreateLogger("ChunkGate.Sidecar").LogInformation("listening on {EndPoint} trace_id {Value}", "127.0.0.1:6432", "x");
        }

        exported.Should().ContainSingle().Which.Attributes.Should().ContainKey("EndPoint");
        exported[0].TraceId.Should().Be(default(ActivityTraceId));
    }

    private static void Record(SessionRecorder recorder)
    {
        var session = recorder.StartSession(new SessionInfo("cg_run_1", "shop", "read"));
        var statement = session.StatementStarted("SELECT id, ssn FROM customers WHERE ssn = '123-45-6789'", StatementProtocol.Simple, span: StatementSpan);
        session.ColumnsDescribed(statement, [new RecordedColumn("ssn", PgTypeOid.Text, ColumnAction.Mask, MaskingStrategy.Last4)]);
        session.StatementCompleted(statement, new StatementOutcome("SELECT 1", 1, 40, 1));
        session.Error("22P02", "invalid input for card 4111111111111111");
        session.Ended("client terminated", 100, 50);
    }

    private static StatementTextMasker Masker() => new(Columns, DetectorKinds.All);

    /// <summary>The sidecar's wiring (trace processor, then the exporter), with a collecting exporter in place of OTLP.</summary>
    private static ILoggerFactory Pipeline(List<Exported> exported) => LoggerFactory.Create(builder => builder.AddOpenTelemetry(otel => otel
        .AddProcessor(new RecordingTraceContextProcessor())
        .AddProcessor(new SimpleLogRecordExportProcessor(new CollectingExporter(exported)))));

    private sealed record Exported(string Body, ActivityTraceId TraceId, ActivitySpanId SpanId, Dictionary<string, object?> Attributes);

    private sealed class CollectingExporter(List<Exported> exported) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                var attributes = (record.Attributes ?? []).Where(pair => pair.Key != "{OriginalFormat}").ToDictionary(pair => pair.Key, pair => pair.Value);
                lock (exported)
                {
                    exported.Add(new Exported(record.Body ?? record.FormattedMessage ?? "", record.TraceId, record.SpanId, attributes));
                }
            }

            return ExportResult.Success;
        }
    }
}
