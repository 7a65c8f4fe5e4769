namespace ChunkGate.Kubernetes.Events;

/// <summary>A small least-recently-used map, so correlation state cannot grow without bound.</summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> map = [];
    private readonly LinkedList<(TKey Key, TValue Value)> order = new();

    public int Count => map.Count;

    public bool TryGet(TKey key, out TValue value)
    {
        if (map.TryGetValue(key, out var node))
        {
            order.Remove(node);
            order.AddFirst(node);
            value = node.Value.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (map.TryGetValue(key, out var existing))
        {
            order.Remove(existing);
        }
        else if (map.Count >= capacity)
        {
            var oldest = order.Last!;
            order.RemoveLast();
            map.Remove(oldest.Value.Key);
        }

        map[key] = order.AddFirst((key, value));
    }

    public void RemoveWhere(Func<TValue, bool> predicate)
    {
        foreach (var node in map.Values.Where(node => predicate(node.Value.Value)).ToList())
        {
            order.Remove(node);
            map.Remove(node.Value.Key);
        }
    }
}
