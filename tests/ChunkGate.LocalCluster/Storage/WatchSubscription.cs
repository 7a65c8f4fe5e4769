using System.Threading.Channels;

namespace ChunkGate.LocalCluster.Storage;

/// <summary>A live feed of store changes for one storage key (or all, when null) and optional namespace.</summary>
internal sealed class WatchSubscription(string? storageKey, string? namespaceFilter, Action<WatchSubscription> unsubscribe) : IDisposable
{
    private readonly Channel<StoredEvent> channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<StoredEvent> Events => channel.Reader;

    internal bool Wants(StoredEvent change) =>
        (storageKey is null || storageKey == change.StorageKey) &&
        (string.IsNullOrEmpty(namespaceFilter) || namespaceFilter == change.Namespace);

    internal void Deliver(StoredEvent change) => channel.Writer.TryWrite(change);

    public void Dispose()
    {
        channel.Writer.TryComplete();
        unsubscribe(this);
    }
}
