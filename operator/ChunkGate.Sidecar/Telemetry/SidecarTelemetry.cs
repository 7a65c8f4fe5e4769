using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChunkGate.Sidecar.Telemetry;

/// <summary>The sidecar's one ActivitySource and Meter (conventions.md rule 9).</summary>
internal static class SidecarTelemetry
{
    public const string Name = "ChunkGate.Sidecar";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> BytesToClient = Meter.CreateCounter<long>("chunkgate.sidecar.bytes_to_client", "By");

    public static readonly Counter<long> Rows = Meter.CreateCounter<long>("chunkgate.sidecar.rows", "{row}");

    public static readonly Counter<long> MaskedValues = Meter.CreateCounter<long>("chunkgate.sidecar.masked_values", "{value}");

    public static readonly Counter<long> RefusedStatements = Meter.CreateCounter<long>("chunkgate.sidecar.refused_statements", "{statement}");

    public static readonly Counter<long> Sessions = Meter.CreateCounter<long>("chunkgate.sidecar.sessions", "{session}");
}
