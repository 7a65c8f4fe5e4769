using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Queues;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>Told about every change the cache applies, in order. Keep it quick: enqueue a key and return.</summary>
public interface IInformerHandler<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    void OnAdd(T obj);

    /// <summary>Also called on resync with <paramref name="old"/> and <paramref name="current"/> the same object.</summary>
    void OnUpdate(T old, T current);

    void OnDelete(T obj);
}

/// <summary>Enqueues the object's own key: the level-triggered pattern, where the reconciler reads the current state.</summary>
public sealed class EnqueueKeyHandler<T>(WorkQueue<string> queue) : IInformerHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public void OnAdd(T obj) => queue.Add(CacheKeys.For(obj));

    public void OnUpdate(T old, T current) => queue.Add(CacheKeys.For(current));

    public void OnDelete(T obj) => queue.Add(CacheKeys.For(obj));
}

/// <summary>Enqueues the key of the controlling owner of the given kind, so changes to children wake their parent.</summary>
public sealed class EnqueueOwnerHandler<T>(WorkQueue<string> queue, string ownerKind) : IInformerHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public void OnAdd(T obj) => Enqueue(obj);

    public void OnUpdate(T old, T current) => Enqueue(current);

    public void OnDelete(T obj) => Enqueue(obj);

    private void Enqueue(T obj)
    {
        var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(reference => reference.Controller == true && reference.Kind == ownerKind);
        if (owner is not null)
        {
            queue.Add(CacheKeys.For(obj.Metadata!.NamespaceProperty, owner.Name));
        }
    }
}
