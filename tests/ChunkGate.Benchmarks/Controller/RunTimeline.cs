using System.Collections.Concurrent;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using k8s.Models;

namespace ChunkGate.Benchmarks.Controller;

/// <summary>
/// When each run's pieces appeared and went, as a watcher of the API sees them (wall clock, first
/// sighting only): a job's phase Running, its Pod and Secret created, and deleted.
/// </summary>
internal sealed class RunTimeline
{
    public ConcurrentDictionary<string, DateTimeOffset> Running { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> Reconciled { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> PodCreated { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> PodDeleted { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> SecretCreated { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> SecretDeleted { get; } = new(StringComparer.Ordinal);

    public IInformerHandler<ChunkJob> Jobs => new Handler<ChunkJob>(job =>
    {
        if (job.Status?.Phase is not null)
        {
            Reconciled.TryAdd(job.Metadata.Name, DateTimeOffset.UtcNow);
        }

        if (job.Status is { Phase: JobPhase.Running, Run: not null })
        {
            Running.TryAdd(job.Metadata.Name, DateTimeOffset.UtcNow);
        }
    }, _ => { });

    public IInformerHandler<V1Pod> Pods => new Handler<V1Pod>(
        pod => PodCreated.TryAdd(pod.Metadata.Name, DateTimeOffset.UtcNow), pod => PodDeleted.TryAdd(pod.Metadata.Name, DateTimeOffset.UtcNow));

    public IInformerHandler<V1Secret> Secrets => new Handler<V1Secret>(
        secret => SecretCreated.TryAdd(secret.Metadata.Name, DateTimeOffset.UtcNow), secret => SecretDeleted.TryAdd(secret.Metadata.Name, DateTimeOffset.UtcNow));

    private sealed class Handler<T>(Action<T> seen, Action<T> gone) : IInformerHandler<T>
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        public void OnAdd(T obj) => seen(obj);

        public void OnUpdate(T old, T current) => seen(current);

        public void OnDelete(T obj) => gone(obj);
    }
}
