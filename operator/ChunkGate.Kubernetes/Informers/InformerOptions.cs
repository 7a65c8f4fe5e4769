using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Informers;

public sealed record InformerOptions<T>
    where T : class, IKubernetesObject
{
    /// <summary>Null: all namespaces (or a cluster-scoped kind).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Re-deliver every cached object as an update this often, so missed work is retried; null disables.</summary>
    public TimeSpan? ResyncPeriod { get; init; }

    public int ListPageSize { get; init; } = 500;

    /// <summary>Ask for BOOKMARK events, which keep the resume version fresh so reconnects rarely need a re-list.</summary>
    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>A watch asks the server to end after a random time in [this, 2×this), spreading reconnects (client-go uses 5 min).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, Func<T, IEnumerable<string>>>? Indexers { get; init; }
}
