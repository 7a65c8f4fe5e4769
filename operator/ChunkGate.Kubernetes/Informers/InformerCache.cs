using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>A change the cache applied, to be handed to handlers. Holds the cached instances: the informer copies before handing out.</summary>
public readonly record struct CacheChange<T>(CacheChangeType Type, T? Old, T Current)
    where T : class, IKubernetesObject;

public enum CacheChangeType
{
    Added,
    Updated,
    Deleted,
}

/// <summary>
/// The informer's local copy of one kind, with indexes. Built-in indexes: <see cref="NamespaceIndex"/>
/// and <see cref="OwnerUidIndex"/>; more are added by name. Writes come only from the reflector and
/// are idempotent: an object already held at the same resourceVersion is not applied or reported again,
/// so a resumed watch that repeats an event does not duplicate delivery.
/// Readers get deep copies (<see cref="ObjectCopies"/>), never the stored instances: a reconciler
/// that edits what it read and writes it back cannot change the cache behind the informer's back.
/// The cache takes ownership of objects given to it and never changes one it holds (a change
/// replaces it), so copies are made after the lock is released: a copy is JSON work, and made under
/// the lock it queued every concurrent reader (50 admission reviews at once) behind the others'.
/// </summary>
public sealed class InformerCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public const string NamespaceIndex = "namespace";
    public const string OwnerUidIndex = "owner-uid";

    private readonly Lock gate = new();
    private readonly Dictionary<string, T> items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> indexes = new(StringComparer.Ordinal);

    public InformerCache(IReadOnlyDictionary<string, Func<T, IEnumerable<string>>>? customIndexers = null)
    {
        indexers[NamespaceIndex] = obj => obj.Metadata?.NamespaceProperty is { } ns ? [ns] : [];
        indexers[OwnerUidIndex] = obj => obj.Metadata?.OwnerReferences?.Select(owner => owner.Uid) ?? [];
        foreach (var (name, indexer) in customIndexers ?? new Dictionary<string, Func<T, IEnumerable<string>>>())
        {
            indexers[name] = indexer;
        }

        foreach (var name in indexers.Keys)
        {
            indexes[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        }
    }

    /// <summary>The resourceVersion the cache reflects (of the last list, event or bookmark).</summary>
    public string? ResourceVersion { get; private set; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    public T? Get(string key)
    {
        T? held;
        lock (gate)
        {
            held = items.GetValueOrDefault(key);
        }

        // Copied outside the lock: a stored instance is never changed (an update replaces it), and
        // a copy under the lock held every other reader and the watch behind it (reconcile workers queued on it).
        return held is null ? null : ObjectCopies.Deep(held);
    }

    public T? Get(string? namespaceName, string name) => Get(CacheKeys.For(namespaceName, name));

    /// <summary>The resourceVersion of the held object, null when none is held: whether a copy made earlier is still current, without making one.</summary>
    public string? ResourceVersionOf(string key)
    {
        lock (gate)
        {
            return items.TryGetValue(key, out var held) ? held.Metadata?.ResourceVersion : null;
        }
    }

    public IReadOnlyList<T> List()
    {
        List<T> held;
        lock (gate)
        {
            held = [.. items.Values];
        }

        return [.. held.Select(ObjectCopies.Deep)];
    }

    public IReadOnlyList<string> Keys()
    {
        lock (gate)
        {
            return [.. items.Keys];
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        List<T> held;
        lock (gate)
        {
            if (!indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"no index named '{indexName}'", nameof(indexName));
            }

            held = index.TryGetValue(value, out var keys) ? [.. keys.Select(key => items[key])] : [];
        }

        return [.. held.Select(ObjectCopies.Deep)];
    }

    /// <summary>
    /// The keys of the objects an index value holds, those that <paramref name="where"/> accepts:
    /// no copies. A connection's change enqueues each of its jobs, and copying 10,000 jobs to learn
    /// their keys cost seconds of CPU. <paramref name="where"/> sees the held instances: it only reads.
    /// </summary>
    public IReadOnlyList<string> KeysByIndex(string indexName, string value, Func<T, bool>? where = null)
    {
        List<(string Key, T Held)> held;
        lock (gate)
        {
            if (!indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"no index named '{indexName}'", nameof(indexName));
            }

            held = index.TryGetValue(value, out var keys) ? [.. keys.Select(key => (key, items[key]))] : [];
        }

        // Judged outside the lock: a held instance is never changed (an update replaces it).
        return [.. held.Where(pair => where?.Invoke(pair.Held) ?? true).Select(pair => pair.Key)];
    }

    /// <summary>Replaces everything with a fresh list; reports only what differs from what was held.</summary>
    public IReadOnlyList<CacheChange<T>> Replace(IEnumerable<T> listed, string? resourceVersion)
    {
        var changes = new List<CacheChange<T>>();
        lock (gate)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in listed)
            {
                var key = CacheKeys.For(obj);
                seen.Add(key);
                if (ApplyUpsert(key, obj) is { } change)
                {
                    changes.Add(change);
                }
            }

            foreach (var key in items.Keys.Where(key => !seen.Contains(key)).ToList())
            {
                var gone = items[key];
                Remove(key, gone);
                changes.Add(new CacheChange<T>(CacheChangeType.Deleted, gone, gone));
            }

            ResourceVersion = resourceVersion;
        }

        return changes;
    }

    public CacheChange<T>? Upsert(T obj)
    {
        lock (gate)
        {
            ResourceVersion = obj.Metadata?.ResourceVersion ?? ResourceVersion;
            return ApplyUpsert(CacheKeys.For(obj), obj);
        }
    }

    public CacheChange<T>? Delete(T obj)
    {
        lock (gate)
        {
            ResourceVersion = obj.Metadata?.ResourceVersion ?? ResourceVersion;
            var key = CacheKeys.For(obj);
            if (!items.TryGetValue(key, out var held))
            {
                return null;
            }

            Remove(key, held);
            return new CacheChange<T>(CacheChangeType.Deleted, held, obj);
        }
    }

    public void Bookmark(string? resourceVersion)
    {
        lock (gate)
        {
            ResourceVersion = resourceVersion ?? ResourceVersion;
        }
    }

    private CacheChange<T>? ApplyUpsert(string key, T obj)
    {
        if (items.TryGetValue(key, out var held))
        {
            if (held.Metadata?.ResourceVersion == obj.Metadata?.ResourceVersion && obj.Metadata?.ResourceVersion is not null)
            {
                return null;
            }

            Unindex(key, held);
            items[key] = obj;
            Index(key, obj);
            return new CacheChange<T>(CacheChangeType.Updated, held, obj);
        }

        items[key] = obj;
        Index(key, obj);
        return new CacheChange<T>(CacheChangeType.Added, null, obj);
    }

    private void Remove(string key, T held)
    {
        Unindex(key, held);
        items.Remove(key);
    }

    private void Index(string key, T obj)
    {
        foreach (var (name, indexer) in indexers)
        {
            var index = indexes[name];
            foreach (var value in indexer(obj))
            {
                if (!index.TryGetValue(value, out var keys))
                {
                    index[value] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(key);
            }
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, indexer) in indexers)
        {
            var index = indexes[name];
            foreach (var value in indexer(obj))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }
    }
}
