using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Telemetry;
using ChunkGate.Kubernetes.Watching;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>
/// Keeps a cache equal to the server: list, then watch from the list's resourceVersion; after a
/// dropped connection or a server timeout, watch again from the last version seen (events, bookmarks);
/// on 410 Expired, list again. Transient failures back off exponentially.
/// </summary>
internal sealed partial class Reflector<T>(
    IListWatch<T> source,
    InformerOptions<T> options,
    InformerCache<T> cache,
    Action<CacheChange<T>> deliver,
    TimeProvider timeProvider,
    ILogger logger)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The newest version applied, kept outside the watch call so a connection that drops mid-stream resumes from it.
    private string? lastSeen;

    public Task Synced => synced.Task;

    public int Lists { get; private set; }

    public int Watches { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var backoff = options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = lastSeen = await ListAsync(cancellationToken).ConfigureAwait(false);
                    synced.TrySetResult();
                }

                resourceVersion = await WatchAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
                backoff = options.InitialBackoff;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (ExpiredException ex)
            {
                LogExpired(logger, source.Resource, ex.Message);
                resourceVersion = null;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or KubernetesApiException or TimeoutException or System.Text.Json.JsonException or InvalidDataException)
            {
                // Resume from the newest version seen (null still means: list first).
                resourceVersion = resourceVersion is null ? null : lastSeen ?? resourceVersion;
                LogRetry(logger, source.Resource, ex.GetType().Name, ex.Message, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(Jitter(backoff), timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }

        synced.TrySetCanceled(cancellationToken);
    }

    private async Task<string?> ListAsync(CancellationToken cancellationToken)
    {
        Lists++;
        KubernetesTelemetry.InformerLists.Add(1, new KeyValuePair<string, object?>("k8s.resource", source.Resource));
        var (items, resourceVersion) = await source.ListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var change in cache.Replace(options.Transform is { } transform ? items.Select(transform) : items, resourceVersion))
        {
            deliver(change);
        }

        LogListed(logger, source.Resource, items.Count, resourceVersion);
        return resourceVersion;
    }

    /// <summary>Returns the version to resume from, or throws <see cref="ExpiredException"/> when a re-list is needed.</summary>
    private async Task<string?> WatchAsync(string? resourceVersion, CancellationToken cancellationToken)
    {
        Watches++;
        var timeout = options.MinWatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble());
        // A half-open connection delivers nothing and never ends: give up a minute after the server should have ended the watch.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(timeout + 60), timeProvider);
        using var watchToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await foreach (var watchEvent in source.WatchAsync(resourceVersion, (int)timeout, error => LogBadLine(logger, source.Resource, error.Problem, error.LineLength), watchToken.Token).ConfigureAwait(false))
            {
                resourceVersion = Apply(watchEvent, resourceVersion);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogStalled(logger, source.Resource);
        }

        return resourceVersion;
    }

    private string? Apply(WatchEvent<T> watchEvent, string? resourceVersion)
    {
        {
            switch (watchEvent.Type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    if (cache.Upsert(options.Transform is { } transform ? transform(watchEvent.Object!) : watchEvent.Object!) is { } upsert)
                    {
                        deliver(upsert);
                    }

                    resourceVersion = watchEvent.ResourceVersion ?? resourceVersion;
                    break;
                case WatchEventType.Deleted:
                    if (cache.Delete(watchEvent.Object!) is { } delete)
                    {
                        deliver(delete);
                    }

                    resourceVersion = watchEvent.ResourceVersion ?? resourceVersion;
                    break;
                case WatchEventType.Bookmark:
                    resourceVersion = watchEvent.ResourceVersion ?? resourceVersion;
                    cache.Bookmark(resourceVersion);
                    break;
                case WatchEventType.Error when watchEvent.IsExpired:
                    throw new ExpiredException(watchEvent.Status?.Reason ?? "Expired", watchEvent.Status?.Message ?? "watch expired", watchEvent.Status);
                case WatchEventType.Error:
                    throw ApiErrors.FromStatus(watchEvent.Status?.Code ?? 500, watchEvent.Status, null, $"watch {source.Resource}");
            }
        }

        lastSeen = resourceVersion;
        return resourceVersion;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Resource} went silent past its timeout; reconnecting")]
    private static partial void LogStalled(ILogger logger, string resource);

    private static TimeSpan Jitter(TimeSpan wait) => wait * (1 + (Random.Shared.NextDouble() * 0.2));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Listed {Resource}: {Count} items at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string resource, int count, string? resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource} expired ({Message}); re-listing")]
    private static partial void LogExpired(ILogger logger, string resource, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List/watch of {Resource} failed ({ErrorType}: {Error}); retrying in {WaitMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string resource, string errorType, string error, double waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped an undecodable watch line for {Resource}: {Problem} ({Length} bytes)")]
    private static partial void LogBadLine(ILogger logger, string resource, string problem, int length);
}
