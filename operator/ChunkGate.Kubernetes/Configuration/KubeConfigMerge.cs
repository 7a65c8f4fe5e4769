namespace ChunkGate.Kubernetes.Configuration;

internal sealed record MergedKubeConfig(
    IReadOnlyDictionary<string, KubeConfigCluster> Clusters,
    IReadOnlyDictionary<string, KubeConfigUser> Users,
    IReadOnlyDictionary<string, KubeConfigContext> Contexts,
    string? CurrentContext);

/// <summary>
/// The documented merge rule: the first file to set a value or map key wins and it is never
/// changed; a later file's entry of the same name is discarded whole, even its non-conflicting fields.
/// </summary>
internal static class KubeConfigMerge
{
    public static MergedKubeConfig Merge(IEnumerable<KubeConfigDocument> documents)
    {
        var clusters = new Dictionary<string, KubeConfigCluster>(StringComparer.Ordinal);
        var users = new Dictionary<string, KubeConfigUser>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, KubeConfigContext>(StringComparer.Ordinal);
        string? currentContext = null;
        foreach (var document in documents)
        {
            currentContext ??= document.CurrentContext;
            foreach (var cluster in document.Clusters)
            {
                clusters.TryAdd(cluster.Name, cluster);
            }

            foreach (var user in document.Users)
            {
                users.TryAdd(user.Name, user);
            }

            foreach (var context in document.Contexts)
            {
                contexts.TryAdd(context.Name, context);
            }
        }

        return new MergedKubeConfig(clusters, users, contexts, currentContext);
    }
}
