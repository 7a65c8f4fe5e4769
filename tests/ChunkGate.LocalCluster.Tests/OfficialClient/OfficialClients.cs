using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Testing.Yaml;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>
/// The official Kubernetes C# client (KubernetesClient, namespace <c>k8s</c>) against the shared local
/// cluster: a second client nobody here wrote, configured only from the cluster's kubeconfig.
/// </summary>
internal static class OfficialClients
{
    private static readonly SemaphoreSlim CrdsApplied = new(1, 1);
    private static bool crdsReady;

    public const string ChunkGateGroup = "chunkgate.io";

    public const string ChunkGateVersion = "v1alpha1";

    public static Kubernetes For(string context = "admin") =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(SharedCluster.Cluster.KubeconfigPath, currentContext: context));

    /// <summary>A fresh namespace for one test, created through the official client.</summary>
    public static async Task<string> NamespaceAsync(IKubernetes client, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Creates the project's CRDs (crds/) once per test run, decoded into the client's own model.</summary>
    public static async Task EnsureChunkGateCrdsAsync(IKubernetes client)
    {
        await CrdsApplied.WaitAsync();
        try
        {
            if (crdsReady)
            {
                return;
            }

            foreach (var file in Directory.GetFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "crds"), "*.yaml"))
            {
                var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
                try
                {
                    await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
                }
                catch (HttpOperationException error) when (error.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Another test (kubectl apply of crds/) created it first: same definition.
                }
            }

            crdsReady = true;
        }
        finally
        {
            CrdsApplied.Release();
        }
    }

    /// <summary>A sample from samples/ (kind.yaml) as a JSON body, moved into <paramref name="ns"/>.</summary>
    public static JsonObject Sample(string kind, string ns, string? name = null)
    {
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "samples", kind.ToLowerInvariant() + ".yaml");
        var body = (JsonObject)YamlJson.ParseBody(File.ReadAllText(path))!;
        body["metadata"]!["namespace"] = ns;
        if (name is not null)
        {
            body["metadata"]!["name"] = name;
        }

        return body;
    }

    /// <summary>What CustomObjects returns (a JsonElement) as a mutable JSON tree.</summary>
    public static JsonObject Json(object result) => JsonSerializer.SerializeToNode(result)!.AsObject();

    /// <summary>Runs a call that must fail and returns the server's Status as the client received it.</summary>
    public static async Task<(HttpStatusCode Code, V1Status Status)> FailureOfAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (HttpOperationException error)
        {
            return (error.Response.StatusCode, KubernetesJson.Deserialize<V1Status>(error.Response.Content));
        }

        Assert.Fail("the call succeeded, but the server should have refused it");
        throw new InvalidOperationException("unreachable");
    }
}
