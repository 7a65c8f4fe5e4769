using ChunkGate.Kubernetes.Election;
using ChunkGate.Kubernetes.Events;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubernetes.Tests.Integration;

[Category("LocalCluster")]
public sealed class ElectionAndEventsIntegrationTests
{
    [Test]
    public async Task TwoElectors_OnARealLease_ExactlyOneLeads_AndTheOtherTakesOverAfterTheFirstStops()
    {
        // The electors' clock is fake and stepped; the server and its optimistic concurrency are real.
        var clock = new FakeTimeProvider();
        using var client = LocalClusterFixture.Client(clock);
        var ns = await LocalClusterFixture.NamespaceAsync(client, "election");
        LeaderElectionOptions Options(string identity) => new() { LeaseName = "chunkgate-operator", LeaseNamespace = ns, Identity = identity, ReleaseOnCancel = false };
        var first = new LeaderElector(client, Options("replica-a"), clock);
        var second = new LeaderElector(client, Options("replica-b"), clock);
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var leaders = 0;
        var maxLeaders = 0;
        Func<CancellationToken, Task> Lead() => async token =>
        {
            var now = Interlocked.Increment(ref leaders);
            if (now > Volatile.Read(ref maxLeaders))
            {
                Volatile.Write(ref maxLeaders, now);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                Interlocked.Decrement(ref leaders);
            }
        };

        var firstRun = first.RunAsync(Lead(), cancellationToken: stopFirst.Token);
        await Eventually.TrueAsync(() => first.IsLeader, "the first elector leads");
        var secondRun = second.RunAsync(Lead(), cancellationToken: stopSecond.Token);
        await Eventually.TrueAsync(() => clock.PendingTimers == 2, "both electors wait for their next round");
        await StepAsync(clock, TimeSpan.FromSeconds(30), electors: 2);
        first.IsLeader.Should().BeTrue();
        second.IsLeader.Should().BeFalse();
        second.ObservedLeader.Should().Be("replica-a");

        await stopFirst.CancelAsync();
        await firstRun.WaitAsync(TimeSpan.FromSeconds(10));
        var stoppedAt = clock.GetUtcNow();
        await StepAsync(clock, TimeSpan.FromSeconds(30), electors: 1, stopWhen: () => second.IsLeader);

        second.IsLeader.Should().BeTrue();
        (clock.GetUtcNow() - stoppedAt).Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(15 + 4.8 + 0.5));
        maxLeaders.Should().Be(1);
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("chunkgate-operator", ns);
        lease.Spec.HolderIdentity.Should().Be("replica-b");
        lease.Spec.LeaseTransitions.Should().Be(1);
        lease.Spec.LeaseDurationSeconds.Should().Be(15);

        await stopSecond.CancelAsync();
        await secondRun.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task EventRecorder_WritesCoreEvents_AndAggregatesRepeatsByCount()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var client = LocalClusterFixture.Client(clock);
        var ns = await LocalClusterFixture.NamespaceAsync(client, "events");
        var secret = await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "run-creds", NamespaceProperty = ns } }, ns);
        var recorder = new EventRecorder(client, "chunkgate-operator", "operator-0", clock);

        await recorder.RecordAsync(secret, EventTypes.Normal, "CredentialIssued", "temporary role issued for 15m");
        clock.Advance(TimeSpan.FromSeconds(10));
        await recorder.RecordAsync(secret, EventTypes.Normal, "CredentialIssued", "temporary role issued for 15m");
        await recorder.RecordAsync(secret, EventTypes.Warning, "CredentialRevoked", "approval expired");

        var events = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=run-creds");
        events.Items.Should().HaveCount(2);
        var issued = events.Items.Single(e => e.Reason == "CredentialIssued");
        issued.Count.Should().Be(2);
        issued.InvolvedObject.Kind.Should().Be("Secret");
        issued.InvolvedObject.Uid.Should().Be(secret.Metadata.Uid);
        issued.Source!.Component.Should().Be("chunkgate-operator");
        (issued.LastTimestamp - issued.FirstTimestamp).Should().Be(TimeSpan.FromSeconds(10));
        events.Items.Single(e => e.Reason == "CredentialRevoked").Type.Should().Be("Warning");
    }

    private static async Task StepAsync(FakeTimeProvider clock, TimeSpan total, int electors, Func<bool>? stopWhen = null)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < total && stopWhen?.Invoke() != true; elapsed += TimeSpan.FromMilliseconds(250))
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1);
            await Eventually.TrueAsync(() => clock.PendingTimers == electors || stopWhen?.Invoke() == true, "the electors are idle again");
        }
    }
}
