using System.Globalization;
using System.Text.Json;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Kubernetes.Events;

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>
/// Writes core/v1 Events (<see cref="Corev1Event"/> through the official client) about an object,
/// named <c>{object}.{unix-nanos hex}</c> like kubectl's, repeats aggregated by <see cref="EventCorrelator"/>.
/// core/v1 rather than events.k8s.io/v1: kubectl describe reads both, and the local cluster serves only core/v1.
/// Recording is best effort: a failure is logged at Warning, never thrown, since an audit event must not
/// break the reconcile that caused it; the log line carries the reason and message so nothing is lost
/// silently. Callers must not put secrets in messages.
/// </summary>
public sealed partial class EventRecorder(IKubernetes client, string component, string reportingInstance, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
{
    /// <summary>The API validates note length; longer messages are cut here rather than rejected there.</summary>
    public const int MaxMessageLength = 1024;

    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private readonly EventCorrelator correlator = new(timeProvider ?? TimeProvider.System);
    private readonly ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EventRecorder>();

    public Task RecordAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(new V1ObjectReference
        {
            ApiVersion = involved.ApiVersion,
            Kind = involved.Kind,
            Name = involved.Metadata.Name,
            NamespaceProperty = involved.Metadata.NamespaceProperty,
            Uid = involved.Metadata.Uid,
            ResourceVersion = involved.Metadata.ResourceVersion,
        }, type, reason, message, cancellationToken);

    public async Task RecordAsync(V1ObjectReference involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var candidate = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta
            {
                Name = EventName(involved, now),
                NamespaceProperty = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty,
            },
            InvolvedObject = involved,
            Type = type,
            Reason = reason,
            Message = message.Length > MaxMessageLength ? message[..MaxMessageLength] : message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            ReportingInstance = reportingInstance,
            FirstTimestamp = now,
            LastTimestamp = now,
        };
        var correlation = correlator.Correlate(candidate);
        try
        {
            switch (correlation.Write)
            {
                case EventWrite.Drop:
                    LogDropped(logger, type, reason, involved.Kind, involved.NamespaceProperty, involved.Name, candidate.Message);
                    return;
                case EventWrite.Patch:
                    await PatchOrRecreateAsync(correlation.Event, cancellationToken).ConfigureAwait(false);
                    return;
                default:
                    await CreateAsync(correlation.Event, cancellationToken).ConfigureAwait(false);
                    return;
            }
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException)
        {
            LogFailed(logger, type, reason, involved.Kind, involved.NamespaceProperty, involved.Name, candidate.Message, ex.Message);
        }
    }

    private static string EventName(V1ObjectReference involved, DateTime now) =>
        $"{involved.Name}.{((now.Ticks - DateTime.UnixEpoch.Ticks) * 100).ToString("x", CultureInfo.InvariantCulture)}";

    private async Task CreateAsync(Corev1Event e, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(e, e.Metadata.NamespaceProperty, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
            // Same name already written (a retry after a lost response): nothing to do.
        }
    }

    private async Task PatchOrRecreateAsync(Corev1Event e, CancellationToken cancellationToken)
    {
        try
        {
            // Only scalar fields change, so a merge patch does what client-go's strategic patch does.
            var patch = new Corev1Event { Count = e.Count, LastTimestamp = e.LastTimestamp, Message = e.Message };
            await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(JsonSerializer.Serialize(patch, KubernetesJsonOptions.Write), V1Patch.PatchType.MergePatch), e.Metadata.Name, e.Metadata.NamespaceProperty, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            // The event expired server-side (events have a TTL): start a fresh one under a new name.
            correlator.Forget(e);
            e.Metadata.Name = EventName(e.InvolvedObject, time.GetUtcNow().UtcDateTime);
            e.Metadata.ResourceVersion = null;
            await CreateAsync(e, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event not written (over the per-object budget): {Type} {Reason} on {Kind} {Namespace}/{Name}: {EventMessage}")]
    private static partial void LogDropped(ILogger logger, string type, string reason, string? kind, string? @namespace, string? name, string eventMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record event {Type} {Reason} on {Kind} {Namespace}/{Name}: {EventMessage} ({Error})")]
    private static partial void LogFailed(ILogger logger, string type, string reason, string? kind, string? @namespace, string? name, string eventMessage, string error);
}
