using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Telemetry;

namespace ChunkGate.Sidecar.Tests.Telemetry;

[NonParallelizable]
internal sealed class StatementSpanTests
{
    [Test]
    public async Task StatementSpans_AreChildrenOfTheRunTrace()
    {
        var runTrace = ActivityContext.Parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SidecarTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        using var masker = new ResultMasker(MaskingPolicy.Parse(System.Text.Json.JsonDocument.Parse("{}").RootElement), new MaskedColumnSet([], []));
        await using var session = new MaskedSession(masker, catalog: null, recorder: null, runTrace);
        session.StatementSent(Encoding.UTF8.GetBytes("SELECT 1"), extendedProtocol: false, refused: false);

        spans.Should().ContainSingle();
        spans[0].TraceId.Should().Be(runTrace.TraceId);
        spans[0].ParentSpanId.Should().Be(runTrace.SpanId);
        spans[0].Kind.Should().Be(ActivityKind.Client);
    }
}
