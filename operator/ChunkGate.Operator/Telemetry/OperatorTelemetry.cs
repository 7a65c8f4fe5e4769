using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChunkGate.Operator.Telemetry;

/// <summary>The operator's one trace source and one meter (exported through OTLP when the standard <c>OTEL_*</c> variables are set).</summary>
internal static class OperatorTelemetry
{
    public const string Name = "ChunkGate.Operator";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
