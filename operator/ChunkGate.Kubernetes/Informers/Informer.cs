using ChunkGate.Kubernetes.Telemetry;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>
/// A list-then-watch cache of one kind with indexes, handlers told of every applied change (in
/// order, on the informer's own task), and an optional periodic resync. Register handlers before
/// <see cref="RunAsync"/>; await <see cref="WaitForSyncAsync"/> before trusting the cache.
/// </summary>
public sealed partial class Informer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<IInformerHandler<T>> handlers = [];
    private readonly Reflector<T> reflector;
    private readonly InformerOptions<T> options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly Lock deliveryGate = new();

    public Informer(IListWatch<T> source, InformerOptions<T>? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        this.options = options ?? new InformerOptions<T>();
        this.timeProvider = timeProvider ?? TimeProvider.System;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger($"ChunkGate.Kubernetes.Informer.{source.Resource}");
        Cache = new InformerCache<T>(this.options.Indexers);
        reflector = new Reflector<T>(source, this.options, Cache, Deliver, this.timeProvider, logger);
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
                    Deliver(new CacheChange<T>(CacheChangeType.Updated, null, obj));
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
        KubernetesTelemetry.InformerChanges.Add(1, new KeyValuePair<string, object?>("k8s.change", change.Type.ToString()));
        lock (deliveryGate)
        {
            if (handlers.Count == 0)
            {
                return;
            }

            // Handlers get copies, like every other reader of the cache.
            change = new CacheChange<T>(change.Type, change.Old is null ? null : ObjectCopies.Deep(change.Old), ObjectCopies.Deep(change.Current));
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
