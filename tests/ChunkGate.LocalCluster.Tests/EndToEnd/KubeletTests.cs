using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>The process kubelet: Pods as host processes (image busybox maps to /bin/sh), statuses, logs, deadlines, deletion.</summary>
[Category("LocalCluster")]
public sealed class KubeletTests
{
    private static Kubectl Kubectl => SharedCluster.Kubectl;

    private static string Pod(string name, string ns, string script, string image = "busybox", string extraSpec = "", string extraContainer = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 2
        {{extraSpec}}
          containers:
          - name: main
            image: {{image}}
            command: ["/bin/sh", "-c", {{JsonValue.Create(script)!.ToJsonString()}}]
        {{extraContainer}}
        """;

    [Test]
    public async Task Pod_RunsAsAProcess_WithEnvFromSecretAndFieldRef_AndServesItsLogs()
    {
        var ns = await SharedCluster.NamespaceAsync("logs");
        await Kubectl.OkAsync($"create secret generic db -n {ns} --from-literal=user=app --from-literal=password=hunter2");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "echo user=$DB_USER pod=$POD_NAME; cat /etc/db/password; echo", extraContainer: """
                env:
                - {name: DB_USER, valueFrom: {secretKeyRef: {name: db, key: user}}}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                volumeMounts:
                - {name: creds, mountPath: /etc/db}
              volumes:
              - {name: creds, secret: {secretName: db}}
            """));

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Succeeded pod/p1 -n {ns} --timeout=20s");

        (await Kubectl.OkAsync($"logs p1 -n {ns}")).Output.Should().Be("user=app pod=p1\nhunter2\n");
        (await Kubectl.OkAsync($"get pod p1 -n {ns}")).Output.Should().MatchRegex(@"(?m)^p1\s+0/1\s+Completed\s+0\s+\d+s$");
        (await Kubectl.OkAsync($"describe pod p1 -n {ns}")).Output.Should().MatchRegex(@"Normal\s+Scheduled\s+\S+\s+kubelet\s+Successfully assigned " + ns + "/p1 to local-node")
            .And.MatchRegex(@"Normal\s+Started\s+\S+\s+kubelet\s+Started container main");
    }

    [Test]
    public async Task PersistentVolumeClaim_OutlivesThePodThatWroteIt_AndAMissingClaimKeepsThePodPending()
    {
        var ns = await SharedCluster.NamespaceAsync("claim");
        const string Mount = """
                volumeMounts:
                - {name: out, mountPath: /output}
              volumes:
              - {name: out, persistentVolumeClaim: {claimName: exports}}
            """;
        await Kubectl.OkAsync("apply -f -", Pod("early", ns, "true", extraContainer: Mount));
        await ChunkGate.Testing.Waiting.Eventually.TrueAsync(
            async () => (await Kubectl.OkAsync($"get pod early -n {ns} -o jsonpath={{.status.containerStatuses[0].state.waiting.message}}")).Output == "persistentvolumeclaim \"exports\" not found",
            "a Pod whose claim does not exist waits for it, saying so");

        await Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: exports, namespace: {{ns}}}
            spec:
              accessModes: [ReadWriteMany]
              resources:
                requests: {storage: 1Mi}
            """);
        await Kubectl.OkAsync("apply -f -", Pod("writer", ns, "echo kept > /output/result.txt", extraContainer: Mount));
        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Succeeded pod/writer -n {ns} --timeout=20s");
        await Kubectl.OkAsync($"delete pod writer -n {ns} --wait=true --timeout=20s");

        await Kubectl.OkAsync("apply -f -", Pod("reader", ns, "cat /output/result.txt", extraContainer: Mount));
        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Succeeded pod/reader -n {ns} --timeout=20s");
        (await Kubectl.OkAsync($"logs reader -n {ns}")).Output.Should().Be("kept\n");
    }

    [Test]
    public async Task Pod_ThatFails_ReportsExitCodeAndTerminationMessage()
    {
        var ns = await SharedCluster.NamespaceAsync("exit");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "echo 'chunk 7 failed' > /dev/termination-log; exit 3"));

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Failed pod/p1 -n {ns} --timeout=20s");

        var terminated = JsonNode.Parse((await Kubectl.OkAsync($"get pod p1 -n {ns} -o jsonpath={{.status.containerStatuses[0].state.terminated}}")).Output)!;
        terminated["exitCode"]!.GetValue<int>().Should().Be(3);
        terminated["reason"]!.GetValue<string>().Should().Be("Error");
        terminated["message"]!.GetValue<string>().Should().Be("chunk 7 failed\n");
    }

    [Test]
    public async Task Pod_WithAnUnknownImage_StaysPendingWithErrImagePull()
    {
        var ns = await SharedCluster.NamespaceAsync("image");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "true", image: "registry.example/unknown:1.0"));

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.containerStatuses[0].state.waiting.reason}}=ErrImagePull pod/p1 -n {ns} --timeout=20s");

        (await Kubectl.OkAsync($"get pod p1 -n {ns} -o jsonpath={{.status.phase}}")).Output.Should().Be("Pending");
        (await Kubectl.OkAsync($"get pod p1 -n {ns}")).Output.Should().MatchRegex(@"(?m)^p1\s+0/1\s+ErrImagePull\s+0\s+\d+s$");
    }

    [Test]
    public async Task Pod_PastItsActiveDeadline_IsKilledAndFailsWithDeadlineExceeded()
    {
        var ns = await SharedCluster.NamespaceAsync("deadline");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "sleep 60", extraSpec: "  activeDeadlineSeconds: 1"));

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.reason}}=DeadlineExceeded pod/p1 -n {ns} --timeout=20s");

        (await Kubectl.OkAsync($"get pod p1 -n {ns} -o jsonpath={{.status.phase}}")).Output.Should().Be("Failed");
    }

    [Test]
    public async Task Pod_WhenDeleted_GetsTermThenIsRemoved()
    {
        var ns = await SharedCluster.NamespaceAsync("delete");
        var marker = Path.Combine(SharedCluster.Cluster.Directory, $"term-{ns}");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, $"trap 'echo term > {marker}; exit 0' TERM; echo started; while true; do sleep 0.1; done"));
        await Kubectl.OkAsync($"wait --for=condition=Ready pod/p1 -n {ns} --timeout=20s");

        await Kubectl.OkAsync($"delete pod p1 -n {ns} --timeout=20s");

        File.Exists(marker).Should().BeTrue("the container got SIGTERM before it was removed");
        (await Kubectl.RunAsync($"get pod p1 -n {ns}")).Error.Should().Contain("NotFound");
    }

    [Test]
    public async Task Pod_ContainersOfOnePodShareLoopback_AtThePodIp()
    {
        var ns = await SharedCluster.NamespaceAsync("net");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "echo ip=$LOCALCLUSTER_POD_IP"));

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Succeeded pod/p1 -n {ns} --timeout=20s");

        var ip = (await Kubectl.OkAsync($"get pod p1 -n {ns} -o jsonpath={{.status.podIP}}")).Output;
        ip.Should().StartWith("127.100.");
        (await Kubectl.OkAsync($"logs p1 -n {ns}")).Output.Trim().Should().Be($"ip={ip}");
    }

    [Test]
    public async Task Pod_RunsInitContainersFirst_AndStopsNativeSidecarsWhenTheMainContainersFinish()
    {
        var ns = await SharedCluster.NamespaceAsync("init");
        await Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: p1, namespace: {{ns}}}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 2
              initContainers:
              - {name: setup, image: busybox, command: ["/bin/sh", "-c", "echo setup > $HOME/setup-done"]}
              - name: proxy
                image: busybox
                restartPolicy: Always
                command: ["/bin/sh", "-c", "trap 'echo proxy stopping; exit 0' TERM; echo proxy up; while true; do sleep 0.1; done"]
              containers:
              - {name: job, image: busybox, command: ["/bin/sh", "-c", "cat $HOME/setup-done; sleep 0.5; echo job done"]}
            """);

        await Kubectl.OkAsync($"wait --for=jsonpath={{.status.phase}}=Succeeded pod/p1 -n {ns} --timeout=20s");

        (await Kubectl.OkAsync($"logs p1 -n {ns} -c job")).Output.Should().Be("setup\njob done\n", "the init container finished before the job started");
        (await Kubectl.OkAsync($"logs p1 -n {ns} -c proxy")).Output.Should().Be("proxy up\nproxy stopping\n", "the sidecar got TERM after the job ended");
        (await Kubectl.OkAsync($"get pod p1 -n {ns} -o jsonpath={{.status.initContainerStatuses[*].state.terminated.reason}}")).Output.Should().Be("Completed Completed");
    }

    [Test]
    public async Task LogsFollow_StreamsWhileTheContainerRuns()
    {
        var ns = await SharedCluster.NamespaceAsync("follow");
        await Kubectl.OkAsync("apply -f -", Pod("p1", ns, "i=0; while [ $i -lt 50 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done"));
        await Kubectl.OkAsync($"wait --for=condition=Ready pod/p1 -n {ns} --timeout=20s");

        using var follow = Kubectl.Stream($"logs -f p1 -n {ns}");

        await follow.WaitForLineAsync(line => line == "tick 3");
        await follow.WaitForLineAsync(line => line == "tick 49");
    }
}
