using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>
/// A list-then-watch cache of one kind with indexes, handlers told of every applied change (in
/// order, on the informer's own task), and an optional periodic resync. Register handlers before
/// <see cref="RunAsync"/>; await <see cref="WaitForSyncAsync"/> before trusting the cache.
/// </summary>
public sealed partial class Informer<T>
    where T : class, IKubernetesObject
{
    private readonly List<IInformerHandler<T>> handlers = [];
    private readonly Reflector<T> reflector;
    private readonly InformerOptions<T> options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock deliveryGate = new();

    public Informer(ResourceClient<T> client, InformerOptions<T>? options = null)
    {
        this.options = options ?? new InformerOptions<T>();
        timeProvider = client.Client.TimeProvider;
        logger = client.Client.LoggerFactory.CreateLogger($"ChunkGate.Kubernetes.Informer.{client.Type.Plural}");
        Cache = new InformerCache<T>(this.options.Indexers);
        reflector = new Reflector<T>(client, this.options, Cache, Deliver, timeProvider, logger);
    }

    public InformerCache<T> Cache { get; }

    public bool HasSynced => reflector.Synced.IsCompletedSuccessfully;

    /// <summary>How many full lists have run (1 + re-lists after 410); for diagnostics and tests.</summary>
    public int ListCount => reflector.Lists;

    public void AddHandler(IInformerHandler<T> handler)
    {
        lock (deliveryGate)
        {
            handlers.Add(handler);
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => reflector.Synced.WaitAsync(cancellationToken);

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reflecting = reflector.RunAsync(cancellationToken);
        var resyncing = options.ResyncPeriod is { } period ? ResyncAsync(period, cancellationToken) : Task.CompletedTask;
        await Task.WhenAll(reflecting, resyncing).ConfigureAwait(false);
    }

    private async Task ResyncAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var obj in Cache.List())
                {
                    Deliver(new CacheChange<T>(CacheChangeType.Updated, obj, obj));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void Deliver(CacheChange<T> change)
    {
        Http.KubernetesTelemetry.InformerChanges.Add(1, new KeyValuePair<string, object?>("k8s.change", change.Type.ToString()));
        lock (deliveryGate)
        {
            foreach (var handler in handlers)
            {
                try
                {
                    switch (change.Type)
                    {
                        case CacheChangeType.Added:
                            handler.OnAdd(change.Current);
                            break;
                        case CacheChangeType.Updated:
                            handler.OnUpdate(change.Old ?? change.Current, change.Current);
                            break;
                        case CacheChangeType.Deleted:
                            handler.OnDelete(change.Current);
                            break;
                    }
                }
#pragma warning disable CA1031 // one faulty handler must not stop the cache or the other handlers
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogHandlerFailed(logger, handler.GetType().Name, change.Type, ex);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Informer handler {Handler} failed on {ChangeType}")]
    private static partial void LogHandlerFailed(ILogger logger, string handler, CacheChangeType changeType, Exception exception);
}
