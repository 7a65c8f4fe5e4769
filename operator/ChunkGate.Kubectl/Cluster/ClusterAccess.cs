using ChunkGate.Kubectl.Cli;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace ChunkGate.Kubectl.Cluster;

/// <summary>
/// The client and namespace kubectl would use: <c>--kubeconfig</c>, else every file in
/// <c>$KUBECONFIG</c> (merged, first wins), else <c>~/.kube/config</c>; <c>--context</c>, else the
/// current context; <c>-n</c>, else the context's namespace, else <c>default</c>.
/// </summary>
internal sealed record ClusterAccess(IKubernetes Client, string Namespace, string Server)
{
    public static ClusterAccess Open(string? kubeconfig, string? context, string? namespaceFlag, Func<string, string?> environment)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(Load(kubeconfig, environment), context);
        }
        catch (KubeConfigException ex)
        {
            throw new CommandFailure(ExitCodes.Error, $"the kubeconfig cannot be used: {ex.Message}");
        }

        if (namespaceFlag is { Length: 0 })
        {
            throw CommandFailure.Usage("-n/--namespace needs a namespace name");
        }

        var ns = namespaceFlag ?? (string.IsNullOrEmpty(configuration.Namespace) ? "default" : configuration.Namespace);
        return new ClusterAccess(new k8s.Kubernetes(configuration), ns, configuration.Host);
    }

    private static K8SConfiguration Load(string? kubeconfig, Func<string, string?> environment)
    {
        IReadOnlyList<string> files = kubeconfig is not null
            ? [kubeconfig]
            : environment("KUBECONFIG") is { Length: > 0 } list
                ? list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                : [Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")];
        var existing = files.Where(File.Exists).Select(f => new FileInfo(f)).ToArray();
        if (kubeconfig is not null && existing.Length == 0)
        {
            throw new CommandFailure(ExitCodes.Error, $"the kubeconfig {kubeconfig} does not exist");
        }

        if (existing.Length == 0)
        {
            throw new CommandFailure(ExitCodes.Error, $"no kubeconfig found (looked at {string.Join(", ", files)}); pass --kubeconfig or set KUBECONFIG");
        }

        try
        {
            var configs = existing.Select(file => KubernetesClientConfiguration.LoadKubeConfig(file, useRelativePaths: true)).ToList();
            return configs.Count == 1 ? configs[0] : Merge(configs);
        }
        catch (Exception ex) when (ex is KubeConfigException or YamlDotNet.Core.YamlException or IOException)
        {
            throw new CommandFailure(ExitCodes.Error, $"the kubeconfig cannot be read: {ex.Message}");
        }
    }

    /// <summary>kubectl's merge of $KUBECONFIG files: the first file to name a context, cluster or user wins, and the first current-context.</summary>
    private static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> configs)
    {
        var merged = configs[0];
        merged.CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        merged.Contexts = configs.SelectMany(c => c.Contexts ?? []).DistinctBy(c => c.Name).ToList();
        merged.Clusters = configs.SelectMany(c => c.Clusters ?? []).DistinctBy(c => c.Name).ToList();
        merged.Users = configs.SelectMany(c => c.Users ?? []).DistinctBy(u => u.Name).ToList();
        return merged;
    }
}
