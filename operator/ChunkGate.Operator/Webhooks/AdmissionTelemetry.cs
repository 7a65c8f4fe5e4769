using System.Diagnostics.Metrics;
using ChunkGate.Operator.Telemetry;

namespace ChunkGate.Operator.Webhooks;

/// <summary>Admission instruments on the operator's one meter.</summary>
internal static class AdmissionTelemetry
{
    public static readonly Histogram<double> Duration = OperatorTelemetry.Meter.CreateHistogram<double>(
        "chunkgate.admission.duration", "s", "Time to answer one AdmissionReview");

    public static readonly Counter<long> Denials = OperatorTelemetry.Meter.CreateCounter<long>(
        "chunkgate.admission.denials", "{denial}", "AdmissionReviews denied, by webhook and operation");
}
