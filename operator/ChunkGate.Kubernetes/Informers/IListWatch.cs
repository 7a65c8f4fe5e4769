using ChunkGate.Kubernetes.Watching;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>Where an informer's objects come from: a complete list, then a watch from its version.</summary>
public interface IListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>For logs and metrics, e.g. <c>pods</c>.</summary>
    string Resource { get; }

    /// <summary>Every item, page by page, with the snapshot's resourceVersion. Items carry apiVersion and kind.</summary>
    Task<(IReadOnlyList<T> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken);

    /// <summary>One watch request from <paramref name="resourceVersion"/>, until the server ends it or the connection drops.</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? resourceVersion, int timeoutSeconds, Action<WatchDecodeError>? onBadLine, CancellationToken cancellationToken);
}
