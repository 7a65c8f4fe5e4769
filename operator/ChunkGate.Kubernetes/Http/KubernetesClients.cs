using ChunkGate.Kubernetes.Json;
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
    /// <summary>Also sets <paramref name="configuration"/>'s JSON options to write times as MicroTime (<see cref="MicroTimeConverter"/>).</summary>
    public static k8s.Kubernetes Create(KubernetesClientConfiguration configuration, RetryPolicy? retryPolicy = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        configuration.AddJsonOptions(options =>
        {
            if (!options.Converters.Any(converter => converter is MicroTimeConverter))
            {
                options.Converters.Insert(0, new MicroTimeConverter());
            }
        });
        return new(configuration, new RetryHandler(retryPolicy ?? RetryPolicy.Default, timeProvider ?? TimeProvider.System, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RetryHandler>()));
    }
}
