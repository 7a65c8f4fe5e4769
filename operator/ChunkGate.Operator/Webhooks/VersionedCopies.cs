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
/// out) and shared by concurrent reviews, which only read them.
/// </summary>
internal sealed class VersionedCopies<T>(ScopedInformers<T> informers)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<string, T> copies = new(StringComparer.Ordinal);

    /// <summary>The cached object as a copy shared with other reviews, or null when the cache holds none.</summary>
    public T? Get(string ns, string name)
    {
        var key = CacheKeys.For(ns, name);
        var version = informers.ResourceVersionOf(ns, name);
        if (version is not null && copies.TryGetValue(key, out var shared) && shared.Metadata?.ResourceVersion == version)
        {
            return shared;
        }

        // Absent now, or changed since the last copy (a stale copy of a deleted object is dropped here too).
        var copy = informers.Get(ns, name);
        if (copy?.Metadata?.ResourceVersion is null)
        {
            copies.TryRemove(key, out _);
            return copy;
        }

        copies[key] = copy;
        return copy;
    }
}
