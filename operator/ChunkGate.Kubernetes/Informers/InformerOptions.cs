using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

public sealed record InformerOptions<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Re-deliver every cached object as an update this often, so missed work is retried; null disables.</summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>A watch asks the server to end after a random time in [this, 2×this), spreading reconnects (client-go uses 5 min).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Applied to every listed or watched object before the cache stores it (client-go's transform),
    /// e.g. <see cref="ObjectTransforms.DropManagedFields{T}"/>; it may change and return the object it is given.
    /// </summary>
    public Func<T, T>? Transform { get; init; }

    /// <summary>Indexes beyond namespace and owner, by name, e.g. <c>spec.jobRef.name</c>.</summary>
    public IReadOnlyDictionary<string, Func<T, IEnumerable<string>>>? Indexers { get; init; }
}
