using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>The <c>namespace/name</c> key (just <c>name</c> when cluster-scoped) a cache and a work queue share.</summary>
public static class CacheKeys
{
    public static string For(IKubernetesObject<V1ObjectMeta> obj) => For(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? "");

    public static string For(string? namespaceName, string name) => string.IsNullOrEmpty(namespaceName) ? name : $"{namespaceName}/{name}";

    public static (string? Namespace, string Name) Split(string key) =>
        key.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? (key[..slash], key[(slash + 1)..]) : (null, key);
}
