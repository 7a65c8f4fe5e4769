using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>Transforms for <see cref="InformerOptions{T}.Transform"/>.</summary>
public static class ObjectTransforms
{
    /// <summary>
    /// Drops <c>metadata.managedFields</c>: a controller never reads it, and it held about a third of
    /// a cached ChunkJob's bytes (one field tree per writer). An update sent without it keeps the
    /// server's record (the API server treats an absent list as unchanged).
    /// </summary>
    public static T DropManagedFields<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (obj.Metadata is { } metadata)
        {
            metadata.ManagedFields = null;
        }

        return obj;
    }
}
