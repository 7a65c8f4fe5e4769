using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Telemetry;

[NonParallelizable]
internal sealed class StatementSpanTests
{
    [Test]
    public async Task StatementSpans_AreChildrenOfTheRunTrace()
    {
        var runTrace = ActivityContext.Parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        using var spans = new SidecarSpans();

        using var masker = new ResultMasker(MaskingPolicy.Parse(System.Text.Json.JsonDocument.Parse("{}").RootElement), new MaskedColumnSet([], []));
        await using var session = new MaskedSession(masker, catalog: null, recorder: null, runTrace);
        session.StatementSent(Encoding.UTF8.GetBytes("SELECT 1"), extendedProtocol: false, refused: false);

        spans.All.Should().ContainSingle();
        spans.All[0].TraceId.Should().Be(runTrace.TraceId);
        spans.All[0].ParentSpanId.Should().Be(runTrace.SpanId);
        spans.All[0].Kind.Should().Be(ActivityKind.Client);
    }
}
