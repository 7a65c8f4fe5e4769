using System.Net;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>Leader election on coordination.k8s.io/v1 Leases with the client's own <see cref="LeaseLock"/> and <see cref="LeaderElector"/>.</summary>
[Category("LocalCluster")]
public sealed class LeaseElectionTests
{
    [Test]
    public async Task LeaseLock_CreateOnce_ThenOptimisticUpdatesConflictOnAStaleCopy()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-lock");
        var errors = new List<HttpStatusCode>();
        var a = new LeaseLock(client, ns, "leader", "a");
        var b = new LeaseLock(client, ns, "leader", "b");
        a.OnHttpError += e => errors.Add(e.Response.StatusCode);
        b.OnHttpError += e => errors.Add(e.Response.StatusCode);
        var start = DateTime.UtcNow;
        var renewals = 0;

        // Every record renews (a later renewTime): an identical record would be a no-op write that keeps the resourceVersion.
        LeaderElectionRecord Record(string holder, int transitions) => new()
        {
            HolderIdentity = holder, LeaseDurationSeconds = 15, AcquireTime = start, RenewTime = start.AddSeconds(++renewals), LeaderTransitions = transitions,
        };

        (await a.CreateAsync(Record("a", 0))).Should().BeTrue();
        (await b.CreateAsync(Record("b", 0))).Should().BeFalse("the Lease exists");
        errors.Should().Equal(HttpStatusCode.Conflict);

        (await b.GetAsync()).HolderIdentity.Should().Be("a");
        (await a.UpdateAsync(Record("a", 0))).Should().BeTrue("a renews from its fresh copy");
        (await b.UpdateAsync(Record("b", 1))).Should().BeFalse("b's copy predates a's renewal");
        errors.Should().Equal(HttpStatusCode.Conflict, HttpStatusCode.Conflict);

        (await b.GetAsync()).HolderIdentity.Should().Be("a");
        (await b.UpdateAsync(Record("b", 1))).Should().BeTrue("b takes over from the current copy");
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("leader", ns);
        lease.Spec.HolderIdentity.Should().Be("b");
        lease.Spec.LeaseTransitions.Should().Be(1);
        (await a.UpdateAsync(Record("a", 1))).Should().BeFalse("a's cached copy is now stale");
    }

    [Test]
    public async Task LeaderElector_AcquiresAFreeLease_AndRecordsItsIdentity()
    {
        using var client = For();
        var ns = await NamespaceAsync(client, "oc-elect");
        var config = new LeaderElectionConfig(new LeaseLock(client, ns, "operator", "pod-1"))
        {
            LeaseDuration = TimeSpan.FromSeconds(15),
            RenewDeadline = TimeSpan.FromSeconds(10),
            RetryPeriod = TimeSpan.FromSeconds(2),
        };
        using var elector = new LeaderElector(config);
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        elector.OnStartedLeading += () => leading.TrySetResult();
        using var stop = new CancellationTokenSource();

        var run = elector.RunUntilLeadershipLostAsync(stop.Token);
        await leading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("operator", ns);
        await stop.CancelAsync();
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // Cancelled on purpose: the elector stops renewing.
        }

        lease.Spec.HolderIdentity.Should().Be("pod-1");
        lease.Spec.LeaseDurationSeconds.Should().Be(15);
    }
}
