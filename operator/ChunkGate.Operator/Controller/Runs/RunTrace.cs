using System.Diagnostics;
using ChunkGate.Operator.Telemetry;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// One trace per run: a W3C trace context made when the run starts, kept in the job's status and
/// given to both containers as TRACEPARENT; every later span of the run (credential issue, Pod,
/// revocation, the sidecar's statements) is its child, whichever reconcile or replica records it.
/// </summary>
internal static class RunTrace
{
    public static string NewTraceParent() => $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";

    public static Activity? Start(string name, string? traceParent, string jobKey, string runId)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        var activity = OperatorTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag("chunkgate.job", jobKey);
        activity?.SetTag("chunkgate.run", runId);
        return activity;
    }
}
