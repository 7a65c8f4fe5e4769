using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChunkGate.Kubernetes.Telemetry;

/// <summary>
/// The client's one ActivitySource and Meter, both named <c>ChunkGate.Kubernetes</c>. Activities are
/// created only when a listener (e.g. the OpenTelemetry SDK) subscribes; tags never carry credentials.
/// </summary>
public static class KubernetesTelemetry
{
    public const string Name = "ChunkGate.Kubernetes";

    public static ActivitySource ActivitySource { get; } = new(Name);

    internal static Meter Meter { get; } = new(Name);

    internal static Histogram<double> RequestDuration { get; } = Meter.CreateHistogram<double>("k8s.client.request.duration", "s", "Duration of API requests, per attempt");

    internal static Counter<long> Retries { get; } = Meter.CreateCounter<long>("k8s.client.request.retries", "{retry}", "Requests repeated after throttling or a transport failure");

    internal static Counter<long> InformerChanges { get; } = Meter.CreateCounter<long>("k8s.informer.changes", "{change}", "Changes applied to informer caches");

    internal static Counter<long> InformerLists { get; } = Meter.CreateCounter<long>("k8s.informer.lists", "{list}", "Full lists (initial and after 410 Expired)");
}
