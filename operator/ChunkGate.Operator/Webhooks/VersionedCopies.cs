using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Controller.Runtime;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// Admission's copies of cached objects: one deep copy per object and resourceVersion, handed to
/// every review until the cache holds a newer version. A copy is three JSON round trips, and 50
/// concurrent ChunkJob reviews all read the same DataConnection: copying it for each was the largest
/// part of a review's CPU. The copies are admission's own (the cache's instances are never handed
/// out) and shared by concurrent reviews, which only read them. A copy goes when its object changes
/// or is deleted (an informer handler): otherwise every job ever reviewed and then deleted stayed.
/// </summary>
internal sealed class VersionedCopies<T> : IInformerHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> copies = new(StringComparer.Ordinal);
    private readonly ScopedInformers<T> informers;

    public VersionedCopies(ScopedInformers<T> informers)
    {
        this.informers = informers;
        informers.AddHandler(this);
    }

    /// <summary>How many copies are held (for tests).</summary>
    internal int Count => copies.Count;

    /// <summary>The cached object as a copy shared with other reviews, or null when the cache holds none.</summary>
    public T? Get(string ns, string name)
    {
        var key = CacheKeys.For(ns, name);
        var version = informers.ResourceVersionOf(ns, name);
        if (version is not null && copies.TryGetValue(key, out var shared) && shared.Metadata?.ResourceVersion == version)
        {
            return shared;
        }

        var copy = informers.Get(ns, name);
        if (copy?.Metadata?.ResourceVersion is not { } copied)
        {
            copies.TryRemove(key, out _);
            return copy;
        }

        copies[key] = copy;
        if (informers.ResourceVersionOf(ns, name) != copied)
        {
            // Changed or deleted while it was copied, perhaps after the handler below ran: not kept.
            copies.TryRemove(new KeyValuePair<string, T>(key, copy));
        }

        return copy;
    }

    public void OnAdd(T obj)
    {
    }

    public void OnUpdate(T old, T current)
    {
        var key = CacheKeys.For(current);
        if (copies.TryGetValue(key, out var copy) && copy.Metadata?.ResourceVersion != current.Metadata?.ResourceVersion)
        {
            copies.TryRemove(new KeyValuePair<string, T>(key, copy));
        }
    }

    public void OnDelete(T obj) => copies.TryRemove(CacheKeys.For(obj), out _);
}
