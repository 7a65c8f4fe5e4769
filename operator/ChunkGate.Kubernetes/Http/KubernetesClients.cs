using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// Builds the official client with ChunkGate's one addition to its pipeline, <see cref="RetryHandler"/>.
/// Configuration is the official client's: <c>KubernetesClientConfiguration.BuildDefaultConfig()</c>
/// (KUBECONFIG, ~/.kube/config, in-cluster), <c>InClusterConfig()</c>, or
/// <c>BuildConfigFromConfigFile(path, currentContext: …)</c>.
/// </summary>
public static class KubernetesClients
{
    public static k8s.Kubernetes Create(KubernetesClientConfiguration configuration, RetryPolicy? retryPolicy = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null) =>
        new(configuration, new RetryHandler(retryPolicy ?? RetryPolicy.Default, timeProvider ?? TimeProvider.System, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RetryHandler>()));
}
