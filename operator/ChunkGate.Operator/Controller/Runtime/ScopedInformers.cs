using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Resources;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// One kind watched across the controller's scope: one informer over all namespaces, or one per
/// watched namespace, read as a single cache. Readers get copies (the informers' rule).
/// </summary>
internal sealed class ScopedInformers<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, Informer<T>> byNamespace = new(StringComparer.Ordinal);
    private readonly Informer<T>? everywhere;

    public ScopedInformers(k8s.Kubernetes client, ResourceType type, IReadOnlyList<string> namespaces, InformerOptions<T> options,
        string? labelSelector, TimeProvider clock, ILoggerFactory loggers)
    {
        if (namespaces.Count == 0)
        {
            everywhere = new Informer<T>(new ApiListWatch<T>(client, type, new ListWatchOptions { LabelSelector = labelSelector }), options, clock, loggers);
            All = [everywhere];
            return;
        }

        foreach (var ns in namespaces.Distinct(StringComparer.Ordinal))
        {
            byNamespace[ns] = new Informer<T>(new ApiListWatch<T>(client, type, new ListWatchOptions { Namespace = ns, LabelSelector = labelSelector }), options, clock, loggers);
        }

        All = [.. byNamespace.Values];
    }

    public IReadOnlyList<Informer<T>> All { get; }

    public bool HasSynced => All.All(informer => informer.HasSynced);

    /// <summary>Whether objects of <paramref name="namespaceName"/> are in this cache's scope.</summary>
    public bool Watches(string namespaceName) => everywhere is not null || byNamespace.ContainsKey(namespaceName);

    public T? Get(string namespaceName, string name) =>
        (everywhere ?? byNamespace.GetValueOrDefault(namespaceName))?.Cache.Get(namespaceName, name);

    public string? ResourceVersionOf(string namespaceName, string name) =>
        (everywhere ?? byNamespace.GetValueOrDefault(namespaceName))?.Cache.ResourceVersionOf(CacheKeys.For(namespaceName, name));

    public IReadOnlyList<T> ByIndex(string index, string value) => [.. All.SelectMany(informer => informer.Cache.ByIndex(index, value))];

    /// <summary>Keys only, no copies (<see cref="InformerCache{T}.KeysByIndex"/>).</summary>
    public IReadOnlyList<string> KeysByIndex(string index, string value, Func<T, bool>? where = null) =>
        [.. All.SelectMany(informer => informer.Cache.KeysByIndex(index, value, where))];

    public IEnumerable<string> Keys() => All.SelectMany(informer => informer.Cache.Keys());

    public void AddHandler(IInformerHandler<T> handler)
    {
        foreach (var informer in All)
        {
            informer.AddHandler(handler);
        }
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(All.Select(informer => informer.RunAsync(cancellationToken)));
}
