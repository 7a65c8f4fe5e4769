using System.Globalization;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Storage;

/// <summary>
/// The stand-in's etcd: every object as JSON under one global, monotonic resourceVersion, with a
/// bounded change history (the watch cache). Compare-and-swap on resourceVersion gives 409s;
/// history that was compacted away gives 410s to watchers that ask for it.
/// </summary>
internal sealed class ObjectStore(int historyCapacity = 20_000)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> buckets = new(StringComparer.Ordinal);
    private readonly LinkedList<StoredEvent> history = new();
    private readonly List<WatchSubscription> subscriptions = [];
    private long revision = 1;
    private long compactedThrough = 1;

    public long CurrentRevision
    {
        get
        {
            lock (gate)
            {
                return revision;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string ns, string name)
    {
        lock (gate)
        {
            return Bucket(type.StorageKey).TryGetValue(Key(ns, name), out var stored) ? (JsonObject)stored.DeepClone() : null;
        }
    }

    /// <summary>Objects of one resource (in one namespace, or all when empty), in name order, with the list's revision.</summary>
    public (IReadOnlyList<JsonObject> Items, long Revision) List(ResourceType type, string? ns)
    {
        lock (gate)
        {
            var items = Bucket(type.StorageKey)
                .Where(pair => string.IsNullOrEmpty(ns) || pair.Key.StartsWith(ns + "/", StringComparison.Ordinal))
                .Select(pair => (JsonObject)pair.Value.DeepClone())
                .ToList();
            return (items, revision);
        }
    }

    /// <summary>Every stored object of every kind (for controllers such as the garbage collector): shared snapshots, read only.</summary>
    public IReadOnlyList<(string StorageKey, JsonObject Object)> Everything()
    {
        lock (gate)
        {
            return buckets.SelectMany(bucket => bucket.Value.Values.Select(obj => (bucket.Key, obj))).ToList();
        }
    }

    public JsonObject Create(ResourceType type, JsonObject obj)
    {
        lock (gate)
        {
            var key = Key(ObjectFields.Namespace(obj), ObjectFields.Name(obj));
            var bucket = Bucket(type.StorageKey);
            if (bucket.ContainsKey(key))
            {
                throw ApiError.AlreadyExists(type.Group, type.Plural, ObjectFields.Name(obj));
            }

            var stored = Stamp(Normalized(obj));
            bucket[key] = stored;
            Record(new StoredEvent(revision, WatchEventType.Added, type.StorageKey, stored, null));
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Replaces an object only if it is still at <paramref name="expectedRevision"/> (409 otherwise).</summary>
    public JsonObject Update(ResourceType type, JsonObject obj, long expectedRevision)
    {
        lock (gate)
        {
            var name = ObjectFields.Name(obj);
            var key = Key(ObjectFields.Namespace(obj), name);
            var bucket = Bucket(type.StorageKey);
            if (!bucket.TryGetValue(key, out var current))
            {
                throw ApiError.NotFound(type.Group, type.Plural, name);
            }

            if (ObjectFields.ResourceVersion(current) != expectedRevision)
            {
                throw ApiError.StaleObject(type.Group, type.Plural, name);
            }

            var stored = Stamp(Normalized(obj));
            bucket[key] = stored;
            Record(new StoredEvent(revision, WatchEventType.Modified, type.StorageKey, stored, current));
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Removes an object if it is still at <paramref name="expectedRevision"/> (any revision when null).</summary>
    public JsonObject Remove(ResourceType type, string ns, string name, long? expectedRevision)
    {
        lock (gate)
        {
            var bucket = Bucket(type.StorageKey);
            if (!bucket.TryGetValue(Key(ns, name), out var current))
            {
                throw ApiError.NotFound(type.Group, type.Plural, name);
            }

            if (expectedRevision is { } expected && ObjectFields.ResourceVersion(current) != expected)
            {
                throw ApiError.StaleObject(type.Group, type.Plural, name);
            }

            bucket.Remove(Key(ns, name));
            var tombstone = Stamp(Normalized(current));
            Record(new StoredEvent(revision, WatchEventType.Deleted, type.StorageKey, tombstone, current));
            return (JsonObject)tombstone.DeepClone();
        }
    }

    /// <summary>
    /// Starts a watch. With a revision, replays the history after it (410 when compacted away);
    /// without one, replays the current objects as ADDED first, as a real server does for "".
    /// </summary>
    public (WatchSubscription Subscription, IReadOnlyList<StoredEvent> Backlog) Watch(string? storageKey, string? ns, long? fromRevision)
    {
        lock (gate)
        {
            List<StoredEvent> backlog;
            if (fromRevision is { } from)
            {
                if (from < compactedThrough)
                {
                    throw ApiError.Expired(string.Create(CultureInfo.InvariantCulture, $"too old resource version: {from} ({compactedThrough})"));
                }

                backlog = history.Where(change => change.Revision > from).ToList();
            }
            else
            {
                backlog = buckets
                    .Where(bucket => storageKey is null || bucket.Key == storageKey)
                    .SelectMany(bucket => bucket.Value.Values.Select(obj => new StoredEvent(ObjectFields.ResourceVersion(obj), WatchEventType.Added, bucket.Key, obj, null)))
                    .ToList();
            }

            var subscription = new WatchSubscription(storageKey, ns, Unsubscribe);
            backlog = backlog.Where(subscription.Wants).ToList();
            subscriptions.Add(subscription);
            return (subscription, backlog);
        }
    }

    /// <summary>Forgets all history up to now: watches from an older resourceVersion then get 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            compactedThrough = revision;
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (gate)
        {
            subscriptions.Remove(subscription);
        }
    }

    private JsonObject Stamp(JsonObject obj)
    {
        revision++;
        ObjectFields.Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        return obj;
    }

    private void Record(StoredEvent change)
    {
        history.AddLast(change);
        while (history.Count > historyCapacity)
        {
            compactedThrough = history.First!.Value.Revision;
            history.RemoveFirst();
        }

        foreach (var subscription in subscriptions)
        {
            if (subscription.Wants(change))
            {
                subscription.Deliver(change);
            }
        }
    }

    private SortedDictionary<string, JsonObject> Bucket(string storageKey)
    {
        if (!buckets.TryGetValue(storageKey, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            buckets[storageKey] = bucket;
        }

        return bucket;
    }

    /// <summary>
    /// Stored values are always JSON-parsed ones (numbers convert freely between int, long and double),
    /// fully materialised: JsonNode builds its children lazily on first read, and stored snapshots are
    /// read by many watchers at once, so nothing may be left to build later.
    /// </summary>
    private static JsonObject Normalized(JsonObject obj)
    {
        var parsed = (JsonObject)JsonNode.Parse(obj.ToJsonString())!;
        Materialise(parsed);
        return parsed;
    }

    private static void Materialise(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialise(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialise(child);
                }

                break;
        }
    }

    private static string Key(string ns, string name) => ns + "/" + name;
}
