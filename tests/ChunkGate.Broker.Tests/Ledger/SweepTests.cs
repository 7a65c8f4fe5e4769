using System.Diagnostics;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Tests.Support;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Broker.Tests.Ledger;

[Category("PostgreSQL")]
internal sealed class SweepTests : BrokerDatabaseFixture
{
    [Test]
    public async Task Sweep_RevokesRunsNoLongerLive_KeepsLiveOnes_ReportsButKeepsUnknownRoles()
    {
        var live = await Database.IssueAsync(JobAction.Read);
        var over = await Database.IssueAsync(JobAction.Read);
        var stranger = RoleNames.Prefix + "not_ours_" + Guid.NewGuid().ToString("N")[..8];
        await Database.ScalarAsync<object>($"CREATE ROLE {stranger} NOLOGIN");

        var report = await Database.Broker.SweepAsync(entry => entry.Role != over.Role);

        report.Revoked.Select(revocation => revocation.Role).Should().Equal(over.Role);
        report.Failed.Should().BeEmpty();
        report.Unknown.Should().Contain(stranger);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = ANY(@roles)", ("roles", new[] { live.Role, stranger }))).Should().Be(2);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", over.Role))).Should().Be(0);
        await Database.ScalarAsync<object>($"DROP ROLE {stranger}");
    }

    [TestCase("before-commit")]
    [TestCase("committed")]
    public async Task Crash_BetweenCreateRoleAndHandingOutThePassword_LeavesNothingTheNextSweepMisses(string checkpoint)
    {
        var uid = Guid.NewGuid().ToString();
        var role = RoleNames.For(uid, 1);
        using var probe = StartProbe(checkpoint, uid, "shop.orders");
        await Eventually.TrueAsync(() => probe.Output.Contains($"at {checkpoint}"), $"the probe reached {checkpoint}", TimeSpan.FromSeconds(60));

        probe.Process.Kill(entireProcessTree: true);
        await probe.Process.WaitForExitAsync();

        // Killed before commit: PostgreSQL rolls back role and ledger row together. After commit:
        // the role exists and is recorded, and its run is not live any more.
        var exists = await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", role));
        exists.Should().Be(checkpoint == "committed" ? 1 : 0);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = @role", ("role", role))).Should().Be(exists, "a role exists exactly when it is recorded");
        var report = await Database.Broker.SweepAsync(entry => entry.JobUid != uid);

        report.Revoked.Select(revocation => revocation.Role).Should().Equal(checkpoint == "committed" ? [role] : []);
        report.Unknown.Should().NotContain(role);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", role))).Should().Be(0);
    }

    private ProbeProcess StartProbe(string checkpoint, string uid, string table)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ChunkGate.Broker.Probe", "bin", BuildConfiguration, "net10.0", "ChunkGate.Broker.Probe.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { probe, checkpoint, uid, table })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CHUNKGATE_PROBE_ADMIN"] = Database.AdminConnectionString;
        return new ProbeProcess(Process.Start(start)!);
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
