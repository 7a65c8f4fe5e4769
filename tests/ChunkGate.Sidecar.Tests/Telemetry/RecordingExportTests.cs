using System.Diagnostics;
using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace ChunkGate.Sidecar.Tests.Telemetry;

/// <summary>
/// With an OTLP endpoint and no recording file, a real session through the sidecar still records:
/// every statement goes out as log records under its own exported statement span, masked.
/// </summary>
[NonParallelizable]
public sealed class RecordingExportTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task SetUp() => harness = await SidecarHarness.CreateAsync("recexport", ProxyTestData.Setup);

    [OneTimeTearDown]
    public async Task TearDown() => await harness.DisposeAsync();

    [Test]
    public async Task OtlpOnly_RecordsEachStatementUnderItsSpan_WithoutRawValues()
    {
        using var spans = new SidecarSpans();
        var records = new List<(string Body, ActivitySpanId SpanId)>();
        var masking = JsonDocument.Parse("""{ "columns": [ { "column": "public.customers.name", "strategy": "redact" } ], "detectors": ["ssn"] }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking) with { OtlpEndpoint = "http://127.0.0.1:4317" };

        using (var logging = LoggerFactory.Create(builder => builder.AddOpenTelemetry(otel => otel
            .AddProcessor(new RecordingTraceContextProcessor())
            .AddProcessor(new SimpleLogRecordExportProcessor(new Collector(records))))))
        {
            var features = (SessionFeatureFactory)SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance, logging.CreateLogger(RecordingLogRecord.Category))!;
            await harness.StartAsync(options, features: features);
            await using (var connection = await harness.OpenSidecarAsync())
            {
                await using var command = new NpgsqlCommand("SELECT name, '123-45-6789' AS planted FROM customers WHERE id = $1", connection) { Parameters = { new() { Value = 7 } } };
                (await command.ExecuteScalarAsync()).Should().Be("REDACTED");
            }

            await harness.StartAsync(harness.Options());
            await features.DisposeAsync();
        }

        var statement = records.Single(record => record.Body.Contains("\"event\":\"statement\"", StringComparison.Ordinal) && record.Body.Contains("planted", StringComparison.Ordinal));
        var statementSpan = spans.All.Single(span => span.OperationName == "statement" && span.SpanId == statement.SpanId);
        statementSpan.Should().NotBeNull();
        records.Should().Contain(record => record.Body.Contains("\"event\":\"statement.end\"", StringComparison.Ordinal) && record.SpanId == statement.SpanId);
        records.Should().Contain(record => record.Body.Contains("\"event\":\"session.end\"", StringComparison.Ordinal));
        string.Join("\n", records.Select(record => record.Body)).Should().NotContain("123-45-6789").And.NotContain("customer 7");
    }

    private sealed class Collector(List<(string Body, ActivitySpanId SpanId)> records) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                lock (records)
                {
                    records.Add((record.Body ?? "", record.SpanId));
                }
            }

            return ExportResult.Success;
        }
    }
}
