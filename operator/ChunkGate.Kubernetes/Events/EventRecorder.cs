using System.Globalization;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Events;

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>
/// Writes core/v1 Events about an object, named <c>{object}.{unix-nanos hex}</c> like kubectl's,
/// with repeats aggregated by <see cref="EventCorrelator"/>. Recording is best effort: a failure is
/// logged, never thrown, since an audit event must not break the reconcile that caused it.
/// Callers must not put secrets in messages.
/// </summary>
public sealed partial class EventRecorder(KubernetesClient client, string component, string reportingInstance)
{
    /// <summary>The API validates note length; longer messages are cut here rather than rejected there.</summary>
    public const int MaxMessageLength = 1024;

    private readonly ResourceClient<Event> events = client.Resource<Event>(ResourceType.Events);
    private readonly EventCorrelator correlator = new(client.TimeProvider);
    private readonly ILogger logger = client.LoggerFactory.CreateLogger<EventRecorder>();

    public Task RecordAsync(IKubernetesObject involved, string type, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(ObjectReference.For(involved), type, reason, message, cancellationToken);

    public async Task RecordAsync(ObjectReference involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        var now = client.TimeProvider.GetUtcNow();
        var candidate = new Event
        {
            Metadata = new ObjectMeta
            {
                Name = $"{involved.Name}.{((now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString("x", CultureInfo.InvariantCulture)}",
                Namespace = string.IsNullOrEmpty(involved.Namespace) ? "default" : involved.Namespace,
            },
            InvolvedObject = involved,
            Type = type,
            Reason = reason,
            Message = message.Length > MaxMessageLength ? message[..MaxMessageLength] : message,
            Source = new EventSource { Component = component },
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
                    LogDropped(logger, reason, involved.Kind, involved.Name);
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
            LogFailed(logger, reason, involved.Kind, involved.Name, ex.Message);
        }
    }

    private async Task CreateAsync(Event e, CancellationToken cancellationToken)
    {
        try
        {
            await events.CreateAsync(e, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
            // Same name already written (a retry after a lost response): nothing to do.
        }
    }

    private async Task PatchOrRecreateAsync(Event e, CancellationToken cancellationToken)
    {
        try
        {
            // Only scalar fields change, so a merge patch is what the strategic patch client-go sends would do.
            var patch = new EventCountPatch { Count = e.Count, LastTimestamp = e.LastTimestamp, Message = e.Message };
            await events.PatchAsync(e.Metadata.Namespace, e.Metadata.Name!, PatchType.Merge, patch, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            // The event expired server-side (events have a TTL): start a fresh one under a new name.
            correlator.Forget(e);
            var fresh = client.TimeProvider.GetUtcNow();
            e.Metadata.Name = $"{e.InvolvedObject.Name}.{((fresh.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString("x", CultureInfo.InvariantCulture)}";
            e.Metadata.ResourceVersion = null;
            await CreateAsync(e, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped event {Reason} on {Kind} {Name}: too many events for this object")]
    private static partial void LogDropped(ILogger logger, string reason, string? kind, string? name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record event {Reason} on {Kind} {Name}: {Error}")]
    private static partial void LogFailed(ILogger logger, string reason, string? kind, string? name, string error);
}

internal sealed class EventCountPatch
{
    public int? Count { get; set; }

    public DateTimeOffset? LastTimestamp { get; set; }

    public string? Message { get; set; }
}
