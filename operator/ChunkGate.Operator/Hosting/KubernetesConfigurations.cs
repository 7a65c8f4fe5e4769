using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ChunkGate.Operator.Hosting;

/// <summary>The one way the operator picks its Kubernetes configuration, for the webhooks' client and the controller's.</summary>
internal static class KubernetesConfigurations
{
    // The kubeconfig models' own YAML names and naming convention, as the client reads them. The client's
    // reader (KubernetesYaml) first builds three YAML serializers over every one of its ~900 model types:
    // about 15 MB of a running operator's memory, kept for good, to read one small file.
    private static readonly IDeserializer Kubeconfig = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>Both null: the client's default (KUBECONFIG, ~/.kube/config, in-cluster).</summary>
    public static KubernetesClientConfiguration From(string? kubeconfig, string? context) =>
        (kubeconfig, context) switch
        {
            (null, null) => KubernetesClientConfiguration.BuildDefaultConfig(),
            (null, _) => KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context),
            _ => KubernetesClientConfiguration.BuildConfigFromConfigObject(Read(kubeconfig), context),
        };

    private static K8SConfiguration Read(string path)
    {
        using var reader = File.OpenText(path);
        var config = Kubeconfig.Deserialize<K8SConfiguration>(reader);
        // As the client's own loader does: certificate and token paths in the file are relative to it.
        config.FileName = Path.GetFullPath(path);
        return config;
    }
}
