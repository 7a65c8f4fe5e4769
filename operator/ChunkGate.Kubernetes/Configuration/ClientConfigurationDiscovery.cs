namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// Finds the configuration the way controller-runtime does: an explicit kubeconfig path, else
/// <c>KUBECONFIG</c>, else the in-cluster service account, else <c>~/.kube/config</c>.
/// </summary>
public sealed class ClientConfigurationDiscovery(Func<string, string?> getEnvironmentVariable, TimeProvider timeProvider, string serviceAccountDirectory = InClusterConfig.DefaultServiceAccountDirectory)
{
    public ClientConfigurationDiscovery()
        : this(Environment.GetEnvironmentVariable, TimeProvider.System)
    {
    }

    public KubernetesClientConfiguration Load(string? kubeconfigPath = null, string? context = null)
    {
        var kubeconfig = new KubeConfigLoader(getEnvironmentVariable, timeProvider);
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            // An explicit file must exist: no merging, no fallback.
            if (!File.Exists(kubeconfigPath))
            {
                throw new KubeConfigException($"{kubeconfigPath}: the kubeconfig file given does not exist");
            }

            return kubeconfig.Load([kubeconfigPath], context);
        }

        if (!string.IsNullOrEmpty(getEnvironmentVariable("KUBECONFIG")))
        {
            return kubeconfig.LoadDefault(context);
        }

        var inCluster = new InClusterConfig(getEnvironmentVariable, timeProvider, serviceAccountDirectory);
        if (inCluster.IsAvailable && string.IsNullOrEmpty(context))
        {
            return inCluster.Load();
        }

        return kubeconfig.LoadDefault(context);
    }
}
