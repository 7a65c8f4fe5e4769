using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// A run that cannot start (here: the connection's admin Secret deleted after the connection was
/// ready) must say why at once where people look, the job's status and a Warning Event, not only in
/// the operator's log, while the approval is consumed and the job shows Running; and start once
/// the cause is gone.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class RunNotStartedIntegrationTests
{
    [Test]
    public async Task ARunWhoseAdminSecretIsGone_SaysWhyAtOnce_InStatusAndOneWarning_AndStartsOnceItIsBack()
    {
        await using var world = await ControllerHarness.StartAsync("not-started");
        await world.WaitForConnectionAsync();
        var admin = await world.Client.CoreV1.ReadNamespacedSecretAsync("shop-db-admin", world.Namespace);
        await world.Client.CoreV1.DeleteNamespacedSecretAsync("shop-db-admin", world.Namespace);
        var job = await world.CreateJobAsync("quick");
        await world.ApproveAsync(job, "bob");

        var waiting = await world.WaitForJobAsync("quick", j => j.Status?.Run?.Message is not null, "the run says why it has not started");
        waiting.Status!.Phase.Should().Be(JobPhase.Running);
        waiting.Status.Run!.Message.Should().StartWith("run r1 has not started: ").And.Contain("shop-db-admin");
        waiting.Status.Run.Message.Should().NotContain(world.Server.Password, "never a secret");
        await Eventually.TrueAsync(async () => (await world.EventsAsync("quick")).Any(e => e.Reason == "RunNotStarted" && e.Type == "Warning" && e.Message == waiting.Status.Run.Message),
            "a Warning says the same at once", ControllerHarness.Patience);

        await world.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "shop-db-admin", NamespaceProperty = world.Namespace },
            Data = new Dictionary<string, byte[]> { ["username"] = admin.Data["username"], ["password"] = Encoding.UTF8.GetBytes(world.Server.Password) },
        }, world.Namespace);
        var run = await world.WaitForRunningPodAsync("quick");
        run.Message.Should().BeNull("the reason goes in the status write that records the run's Pod");
        (await world.EventsAsync("quick")).Where(e => e.Reason == "RunNotStarted").Should().OnlyContain(e => e.Count == 1, "once per distinct reason, not once per retry")
            .And.Subject.Select(e => e.Message).Should().OnlyHaveUniqueItems();
    }
}
