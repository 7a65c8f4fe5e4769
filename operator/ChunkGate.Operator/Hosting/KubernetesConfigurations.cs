using k8s;

namespace ChunkGate.Operator.Hosting;

/// <summary>The one way the operator picks its Kubernetes configuration, for the webhooks' client and the controller's.</summary>
internal static class KubernetesConfigurations
{
    /// <summary>Both null: the client's default (KUBECONFIG, ~/.kube/config, in-cluster).</summary>
    public static KubernetesClientConfiguration From(string? kubeconfig, string? context) =>
        kubeconfig is null && context is null
            ? KubernetesClientConfiguration.BuildDefaultConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, currentContext: context);
}
