using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>Version, discovery, authentication and the kubeconfig users.</summary>
[Category("LocalCluster")]
public sealed class ServerTests
{
    private static Kubectl Kubectl => SharedCluster.Kubectl;

    [Test]
    public async Task Version_ReportsA132Server()
    {
        var result = await Kubectl.OkAsync("version -o json");

        JsonNode.Parse(result.Output)!["serverVersion"]!["minor"]!.GetValue<string>().Should().Be("32");
    }

    [Test]
    public async Task ApiResources_ListsBuiltInsAndCrdResourcesWithShortNames()
    {
        var result = await Kubectl.OkAsync("api-resources");

        result.Output.Should().MatchRegex(@"(?m)^pods\s+po\s+v1\s+true\s+Pod$");
        result.Output.Should().MatchRegex(@"(?m)^widgets\s+wd\s+fixtures\.chunkgate\.io/v1alpha1\s+true\s+Widget$");
        result.Output.Should().MatchRegex(@"(?m)^leases\s+coordination\.k8s\.io/v1\s+true\s+Lease$");
    }

    [Test]
    public async Task Discovery_ServesAggregatedDocumentsWhenAskedAndLegacyOnesOtherwise()
    {
        using var api = new ApiClient(SharedCluster.Cluster);

        var (legacyStatus, legacy) = await api.SendAsync(HttpMethod.Get, "/apis");
        var aggregated = await api.GetRawAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");

        legacyStatus.Should().Be(200);
        legacy!["kind"]!.GetValue<string>().Should().Be("APIGroupList");
        aggregated.ContentType.Replace(" ", "", StringComparison.Ordinal).Should().Be("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        var widgets = JsonNode.Parse(aggregated.Body)!["items"]!.AsArray()
            .Single(g => g!["metadata"]!["name"]!.GetValue<string>() == "fixtures.chunkgate.io")!["versions"]![0]!["resources"]![0]!;
        widgets["resource"]!.GetValue<string>().Should().Be("widgets");
        widgets["scope"]!.GetValue<string>().Should().Be("Namespaced");
        widgets["subresources"]![0]!["subresource"]!.GetValue<string>().Should().Be("status");
    }

    [Test]
    public async Task DryRunServer_ValidatesWithoutStoring()
    {
        var ns = await SharedCluster.NamespaceAsync("dryrun");

        var result = await Kubectl.OkAsync($"create configmap c1 -n {ns} --from-literal=a=b --dry-run=server");

        result.Output.Should().Contain("(server dry run)");
        (await Kubectl.RunAsync($"get configmap c1 -n {ns}")).Error.Should().Contain("NotFound");
    }

    [Test]
    public async Task Request_WithoutAValidToken_Is401()
    {
        var result = await Kubectl.RunAsync("get namespaces --token=not-a-token");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be("error: You must be logged in to the server (Unauthorized)");
    }

    [Test]
    public async Task Kubeconfig_HasOneContextPerKnownUser()
    {
        var result = await Kubectl.OkAsync("config get-contexts -o name");

        result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo("admin", "alice", "bob", "carol", "argocd", "operator");
        foreach (var user in new[] { "alice", "bob", "carol", "argocd" })
        {
            await Kubectl.As(user).OkAsync("get namespaces");
        }
    }

    [TestCase("alice", "alice", "chunkgate:designers")]
    [TestCase("bob", "bob", "chunkgate:executors")]
    [TestCase("argocd", "system:serviceaccount:argocd:argocd-application-controller", "system:serviceaccounts:argocd")]
    [TestCase("operator", "system:serviceaccount:chunkgate-system:chunkgate-operator", "system:serviceaccounts:chunkgate-system")]
    public async Task AuthWhoami_ShowsTheUserAndGroupsOfEachContext(string context, string username, string group)
    {
        var result = await Kubectl.As(context).OkAsync("auth whoami -o json");

        var userInfo = JsonNode.Parse(result.Output)!["status"]!["userInfo"]!;
        userInfo["username"]!.GetValue<string>().Should().Be(username);
        userInfo["groups"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Contain([group, "system:authenticated"]);
    }

    [Test]
    public async Task Nodes_ListTheProcessKubeletAsReady()
    {
        var result = await Kubectl.OkAsync("get nodes");

        result.Output.Should().MatchRegex(@"(?m)^local-node\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-chunkgate-process-kubelet$");
    }

    [Test]
    public async Task Secret_StringDataIsFoldedIntoBase64Data()
    {
        var ns = await SharedCluster.NamespaceAsync("secret");

        await Kubectl.OkAsync("apply -f -", $"apiVersion: v1\nkind: Secret\nmetadata: {{name: s1, namespace: {ns}}}\nstringData: {{password: hunter2}}\n");

        var secret = JsonNode.Parse((await Kubectl.OkAsync($"get secret s1 -n {ns} -o json")).Output)!;
        secret["data"]!["password"]!.GetValue<string>().Should().Be(Convert.ToBase64String("hunter2"u8.ToArray()));
        secret["stringData"].Should().BeNull();
        secret["type"]!.GetValue<string>().Should().Be("Opaque");
    }

    [Test]
    public async Task CreateSecretAndConfigMap_FromKubectlsTypedClients_Work()
    {
        var ns = await SharedCluster.NamespaceAsync("typed");

        await Kubectl.OkAsync($"create secret generic pg -n {ns} --from-literal=password=p4ss");
        await Kubectl.OkAsync($"create configmap settings -n {ns} --from-literal=mode=fast");

        (await Kubectl.OkAsync($"get secret pg -n {ns} -o jsonpath={{.data.password}}")).Output.Should().Be(Convert.ToBase64String("p4ss"u8.ToArray()));
        (await Kubectl.OkAsync($"get configmap settings -n {ns} -o jsonpath={{.data.mode}}")).Output.Should().Be("fast");
        (await Kubectl.OkAsync($"get secrets -n {ns}")).Output.Should().MatchRegex(@"(?m)^pg\s+Opaque\s+1\s+\d+s$");
    }

    [Test]
    public async Task StrategicMergePatch_OnAConfigMap_MergesTheDataMap()
    {
        var ns = await SharedCluster.NamespaceAsync("smp");
        await Kubectl.OkAsync($"create configmap c1 -n {ns} --from-literal=a=1");

        await Kubectl.OkAsync($"patch configmap c1 -n {ns} -p '{{\"data\":{{\"b\":\"2\"}}}}'");

        (await Kubectl.OkAsync($"get configmap c1 -n {ns} -o jsonpath={{.data}}")).Output.Should().Be("{\"a\":\"1\",\"b\":\"2\"}");
    }

    [Test]
    public async Task Lease_CanBeCreatedAndUpdatedWithOptimisticConcurrency()
    {
        var ns = await SharedCluster.NamespaceAsync("lease");
        await Kubectl.OkAsync("apply -f -", $"apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {{name: leader, namespace: {ns}}}\nspec: {{holderIdentity: a, leaseDurationSeconds: 15}}\n");

        await Kubectl.OkAsync($"patch lease leader -n {ns} --type=merge -p '{{\"spec\":{{\"holderIdentity\":\"b\"}}}}'");

        (await Kubectl.OkAsync($"get leases -n {ns}")).Output.Should().MatchRegex(@"(?m)^leader\s+b\s+\d+s$");
    }
}
