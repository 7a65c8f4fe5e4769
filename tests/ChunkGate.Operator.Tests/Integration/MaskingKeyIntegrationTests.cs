using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Connections;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// The hostile probe's H3: the connection's masking key. It must live where job-namespace users
/// cannot plant or delete it, a key Secret the operator did not make is never used, and the key a
/// run's sidecar hashes with is always the one the database's masking views hash with (rule 6's two
/// layers must agree, or hashed values silently differ between them).
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class MaskingKeyIntegrationTests
{
    private static readonly byte[] AttackerKey = Encoding.UTF8.GetBytes("alice-chose-this-key-0123456789ab");

    [Test]
    public async Task AKeyPlantedInTheJobsNamespace_IsNeverUsed_TheRunHashesWithTheViewsKey_KeptInTheOperatorsNamespace()
    {
        await using var world = await ControllerHarness.StartAsync("key-planted");

        // Where the key used to live: alice replaces it with her own (before or after the operator's first look).
        await world.KubectlAsync("alice", null, "delete", "secret", $"{ControllerHarness.Connection}-chunkgate-masking", "-n", world.Namespace, "--ignore-not-found");
        await world.KubectlAsync("alice", Planted(world.Namespace, $"{ControllerHarness.Connection}-chunkgate-masking", AttackerKey), "create", "-f", "-");
        await world.WaitForConnectionAsync();
        var job = await world.CreateJobAsync("quick");
        await world.ApproveAsync(job, "bob");

        var runKey = await RunKeyAsync(world, "quick");
        runKey.Should().NotEqual(AttackerKey, "a key Secret the operator did not make is never used");
        (await world.ViewsInnerPadAsync()).Should().Equal(InnerPad(runKey), "the run's sidecar and the masking views hash with one key");
        var (keySecret, connection) = await KeySecretAsync(world);
        keySecret!.Data[MaskingKeys.Key].Should().Equal(runKey);
        connection.Status!.MaskingKeyUid.Should().Be(keySecret.Metadata.Uid, "the status names the key the views were built with");
    }

    [Test]
    public async Task AKeyDeletedAndReplacedBySomeoneElse_IsNotAdopted_TheViewsAreRebuiltWithANewKey_AndARunSaysWhyItWaited()
    {
        await using var world = await ControllerHarness.StartAsync("key-lost");
        await world.WaitForConnectionAsync();
        var (first, _) = await KeySecretAsync(world);
        first.Should().NotBeNull("the operator made the key in its own namespace");
        (await world.ViewsInnerPadAsync()).Should().Equal(InnerPad(first!.Data[MaskingKeys.Key]));

        // Someone who may write the operator's namespace deletes the key and plants their own under its name.
        await world.Client.CoreV1.DeleteNamespacedSecretAsync(first.Metadata.Name, world.OperatorNamespace);
        await world.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = first.Metadata.Name, Labels = first.Metadata.Labels, Annotations = first.Metadata.Annotations },
            Data = new Dictionary<string, byte[]> { [MaskingKeys.Key] = AttackerKey },
        }, world.OperatorNamespace);
        var job = await world.CreateJobAsync("quick");
        await world.ApproveAsync(job, "bob");

        var runKey = await RunKeyAsync(world, "quick");
        runKey.Should().NotEqual(AttackerKey, "the planted key is not adopted").And.NotEqual(first.Data[MaskingKeys.Key], "the first key is gone");
        (await world.ViewsInnerPadAsync()).Should().Equal(InnerPad(runKey), "the views were rebuilt with the key the run uses");
        var (current, connection) = await KeySecretAsync(world);
        current!.Data[MaskingKeys.Key].Should().Equal(runKey);
        connection.Status!.MaskingKeyUid.Should().Be(current.Metadata.Uid);
        await Eventually.TrueAsync(async () => (await world.EventsAsync(ControllerHarness.Connection)).Any(e => e.Reason == "MaskingKeyReplaced" && e.Type == "Warning"),
            "a Warning on the connection says the key was replaced and the views rebuilt", ControllerHarness.Patience);
        var waited = (await world.EventsAsync("quick")).Where(e => e.Reason == "RunNotStarted").ToList();
        waited.Should().NotBeEmpty("the run waited for the key, and said so at once");
        waited.Should().OnlyContain(e => e.Type == "Warning" && e.Count == 1 && e.Message.StartsWith("run r1 has not started: the masking key of DataConnection", StringComparison.Ordinal)
            && !e.Message.Contains(Convert.ToBase64String(AttackerKey), StringComparison.Ordinal));
        waited.Select(e => e.Message).Should().OnlyHaveUniqueItems("once per distinct reason, not once per retry");
        (await world.JobAsync("quick")).Status!.Run!.Message.Should().BeNull("the reason goes once the run has started");
    }

    private static async Task<byte[]> RunKeyAsync(ControllerHarness world, string job)
    {
        var secret = (await world.SecretAsync((await world.WaitForRunningPodAsync(job)).Secret!))!;
        return secret.Data[RunSecretBuilder.MaskingKeyKey];
    }

    private static async Task<(V1Secret? Secret, Api.Connections.DataConnection Connection)> KeySecretAsync(ControllerHarness world)
    {
        var connection = await world.Connections.GetAsync(world.Namespace, ControllerHarness.Connection);
        var name = MaskingKeys.SecretName(world.Namespace, ControllerHarness.Connection, connection.Metadata.Uid);
        return (await world.Client.CoreV1.ReadNamespacedSecretAsync(name, world.OperatorNamespace).OrNull(), connection);
    }

    private static string Planted(string ns, string name, byte[] key) => $$"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: {{name}}
          namespace: {{ns}}
          labels: {"app.kubernetes.io/managed-by": chunkgate, "chunkgate.io/connection": {{ControllerHarness.Connection}}}
        data:
          key: {{Convert.ToBase64String(key)}}
        """;

    private static byte[] InnerPad(byte[] key)
    {
        var pad = new byte[64];
        key.CopyTo(pad, 0);
        for (var index = 0; index < pad.Length; index++)
        {
            pad[index] ^= 0x36;
        }

        return pad;
    }
}
