using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>Deletion as the real server does it: finalizers, deletionTimestamp, owner-reference cascades, namespaces.</summary>
[Category("LocalCluster")]
public sealed class LifecycleTests
{
    private static Kubectl Kubectl => SharedCluster.Kubectl;

    private static string Widget(string name, string ns, string finalizers = "[]") => $$"""
        apiVersion: fixtures.chunkgate.io/v1alpha1
        kind: Widget
        metadata:
          name: {{name}}
          namespace: {{ns}}
          finalizers: {{finalizers}}
        spec: {action: read}
        """;

    private static string OwnedConfigMap(string name, string ns, string ownerUid, bool block = false) => $$"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{name}}
          namespace: {{ns}}
          ownerReferences:
          - apiVersion: fixtures.chunkgate.io/v1alpha1
            kind: Widget
            name: owner
            uid: {{ownerUid}}
            blockOwnerDeletion: {{(block ? "true" : "false")}}
        data: {k: v}
        """;

    [Test]
    public async Task Delete_WithAFinalizerHeld_SetsDeletionTimestampUntilTheFinalizerIsReleased()
    {
        var ns = await SharedCluster.NamespaceAsync("finalizer");
        await Kubectl.OkAsync("apply -f -", Widget("held", ns, "[test.chunkgate.io/hold]"));

        (await Kubectl.OkAsync($"delete widget held -n {ns} --wait=false")).Output.Should().Contain("deleted");

        (await Kubectl.OkAsync($"get widget held -n {ns} -o jsonpath={{.metadata.deletionTimestamp}}")).Output.Should().NotBeEmpty();
        var adding = await Kubectl.RunAsync($"patch widget held -n {ns} --type=json -p '[{{\"op\":\"add\",\"path\":\"/metadata/finalizers/-\",\"value\":\"x/y\"}}]'");
        adding.ExitCode.Should().NotBe(0, "no new finalizers can be added to an object being deleted");

        await Kubectl.OkAsync($"patch widget held -n {ns} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'");
        await Kubectl.OkAsync($"wait --for=delete widget/held -n {ns} --timeout=10s");
        (await Kubectl.RunAsync($"get widget held -n {ns}")).Error.Should().Contain("NotFound");
    }

    [Test]
    public async Task Delete_Background_GarbageCollectsDependents()
    {
        var ns = await SharedCluster.NamespaceAsync("cascade");
        await Kubectl.OkAsync("apply -f -", Widget("owner", ns));
        var uid = (await Kubectl.OkAsync($"get widget owner -n {ns} -o jsonpath={{.metadata.uid}}")).Output;
        await Kubectl.OkAsync("apply -f -", OwnedConfigMap("dependent", ns, uid));

        await Kubectl.OkAsync($"delete widget owner -n {ns}");

        await Kubectl.OkAsync($"wait --for=delete configmap/dependent -n {ns} --timeout=10s");
    }

    [Test]
    public async Task Delete_Foreground_RemovesTheOwnerOnlyAfterItsBlockingDependents()
    {
        var ns = await SharedCluster.NamespaceAsync("foreground");
        await Kubectl.OkAsync("apply -f -", Widget("owner", ns));
        var uid = (await Kubectl.OkAsync($"get widget owner -n {ns} -o jsonpath={{.metadata.uid}}")).Output;
        await Kubectl.OkAsync("apply -f -", OwnedConfigMap("dependent", ns, uid, block: true));
        await Kubectl.OkAsync($"patch configmap dependent -n {ns} --type=merge -p '{{\"metadata\":{{\"finalizers\":[\"test.chunkgate.io/hold\"]}}}}'");

        await Kubectl.OkAsync($"delete widget owner -n {ns} --cascade=foreground --wait=false");

        (await Kubectl.OkAsync($"get widget owner -n {ns} -o jsonpath={{.metadata.finalizers}}")).Output.Should().Contain("foregroundDeletion");
        await Kubectl.OkAsync($"patch configmap dependent -n {ns} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'");
        await Kubectl.OkAsync($"wait --for=delete widget/owner -n {ns} --timeout=10s");
    }

    [Test]
    public async Task Delete_Orphan_KeepsDependentsAndStripsTheirOwnerReference()
    {
        var ns = await SharedCluster.NamespaceAsync("orphan");
        await Kubectl.OkAsync("apply -f -", Widget("owner", ns));
        var uid = (await Kubectl.OkAsync($"get widget owner -n {ns} -o jsonpath={{.metadata.uid}}")).Output;
        await Kubectl.OkAsync("apply -f -", OwnedConfigMap("dependent", ns, uid));

        await Kubectl.OkAsync($"delete widget owner -n {ns} --cascade=orphan");

        await Kubectl.OkAsync($"wait --for=delete widget/owner -n {ns} --timeout=10s");
        (await Kubectl.OkAsync($"get configmap dependent -n {ns} -o jsonpath={{.metadata.ownerReferences}}")).Output.Should().BeEmpty();
    }

    [Test]
    public async Task DeleteNamespace_RemovesItsContentsAndThenItself()
    {
        var ns = await SharedCluster.NamespaceAsync("doomed");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        await Kubectl.OkAsync($"create configmap c1 -n {ns} --from-literal=a=b");

        await Kubectl.OkAsync($"delete namespace {ns} --timeout=15s");

        (await Kubectl.RunAsync($"get namespace {ns}")).Error.Should().Contain("NotFound");
        (await Kubectl.RunAsync($"create configmap again -n {ns} --from-literal=a=b")).Error.Should().Contain($"namespaces \"{ns}\" not found");
    }
}
