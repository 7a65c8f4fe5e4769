using ChunkGate.Operator.Tests.Otlp;
using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>
/// The runner's executable (compiled ahead of time in Release, where serialization and exporters
/// can lose code that only reflection reached) sends its chunk spans to the OTLP endpoint it is
/// given, under the run's trace.
/// </summary>
[Category("PostgreSQL")]
public sealed class SpanExportTests
{
    [Test]
    public async Task Run_WithAnOtlpEndpoint_ExportsItsChunkSpansUnderTheRunsTrace()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 20).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        await using var collector = await OtlpReceiver.StartAsync();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string parentSpanId = "00f067aa0ba902b7";
        var job = ExactlyOnceTests.Job(table, 10) with { TraceParent = $"00-{traceId}-{parentSpanId}-01" };
        var environment = job.Environment(sidecar.Port, rig.Database.Name);
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint;
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";

        var result = await RunnerProcess.RunAsync(environment);

        result.ExitCode.Should().Be(0, result.ToString());
        // The provider is disposed (and so flushed) before the process exits.
        collector.Rejected.Should().BeEmpty();
        var chunks = collector.Spans.Where(span => span.Name == "chunk").ToList();
        chunks.Should().HaveCount(2).And.OnlyContain(span => span.TraceId == traceId && span.ParentSpanId == parentSpanId);
    }
}
