using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Tests.Support;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Broker.Tests.Credentials;

/// <summary>
/// Revocations at once (runs expiring in the same second): the drops share transactions under the
/// grants lock. Each must still end its sessions and drop its role, and one role that cannot be
/// dropped must not keep the others alive.
/// </summary>
[Category("PostgreSQL")]
internal sealed class ConcurrentRevokeTests : BrokerDatabaseFixture
{
    [Test]
    public async Task TwentyConcurrentRevocations_EachWithASession_AllEndTheirSessionsAndDropTheirRoles()
    {
        var actions = new[] { JobAction.Read, JobAction.Write, JobAction.Export, JobAction.Transform };
        var credentials = await Task.WhenAll(Enumerable.Range(0, 20).Select(index => Database.IssueAsync(actions[index % actions.Length])));
        var sessions = new List<NpgsqlConnection>();
        var statements = new List<Task>();
        foreach (var credential in credentials)
        {
            var session = await Database.OpenAsAsync(credential);
            sessions.Add(session);
            statements.Add(new NpgsqlCommand("SELECT pg_sleep(600)", session) { CommandTimeout = 0 }.ExecuteScalarAsync());
        }

        var roles = credentials.Select(credential => credential.Role).ToArray();
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE usename = ANY(@roles) AND state = 'active'", ("roles", roles)) == 20,
            "every role's pg_sleep is running", interval: TimeSpan.FromMilliseconds(20));

        var revocations = await Task.WhenAll(roles.Select(role => Task.Run(() => Database.Broker.RevokeAsync(role)))).WaitAsync(TimeSpan.FromSeconds(60));

        revocations.Should().AllSatisfy(revocation => revocation.Should().Match<Revocation>(r => r.Existed && r.SessionsTerminated == 1));
        foreach (var statement in statements)
        {
            await FluentActions.Awaiting(() => statement).Should().ThrowAsync<Exception>("its session was terminated");
        }

        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = ANY(@roles)", ("roles", roles))).Should().Be(0);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = ANY(@roles) AND revoked_at IS NOT NULL", ("roles", roles))).Should().Be(20);
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }
    }

    [Test]
    public async Task ARoleThatCannotBeDropped_FailsAlone_TheOthersRevokedWithIt_AreGone()
    {
        var credentials = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Database.IssueAsync(JobAction.Read)));
        var stuck = credentials[0].Role;
        // An object in another database that the admin cannot reach now: the revocation cleans up
        // what a role left elsewhere, but not where it cannot connect, so DROP ROLE would fail (2BP01).
        var other = await Database.Server.CreateDatabaseAsync("elsewhere");
        await using (var elsewhere = new NpgsqlConnection(Database.Server.ConnectionStringFor(other)))
        {
            await elsewhere.OpenAsync();
            await new NpgsqlCommand($"CREATE TABLE kept (id int); ALTER TABLE kept OWNER TO \"{stuck}\"", elsewhere).ExecuteNonQueryAsync();
        }

        await Database.ScalarAsync<int>($"ALTER DATABASE \"{other}\" ALLOW_CONNECTIONS false");

        var revoking = credentials.Select(credential => Task.Run(() => Database.Broker.RevokeAsync(credential.Role))).ToList();
        (await FluentActions.Awaiting(() => revoking[0]).Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain($"left in database {other}");
        foreach (var revoked in revoking.Skip(1))
        {
            (await revoked).Existed.Should().BeTrue();
        }

        var roles = credentials.Select(credential => credential.Role).ToArray();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = ANY(@roles)", ("roles", roles))).Should().Be(1, "only the stuck role is left");
        (await Database.ScalarAsync<DateTime?>("SELECT revoked_at FROM chunkgate.ledger WHERE role = @role", ("role", stuck))).Should().BeNull("it is not revoked, so the sweep tries again");
        (await Database.ScalarAsync<bool>("SELECT rolcanlogin FROM pg_roles WHERE rolname = @role", ("role", stuck))).Should().BeFalse("it can no longer log in");

        await Database.ScalarAsync<int>($"ALTER DATABASE \"{other}\" ALLOW_CONNECTIONS true");
        (await Database.Broker.RevokeAsync(stuck)).Existed.Should().BeTrue();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", stuck))).Should().Be(0);
        await Database.ScalarAsync<int>($"DROP DATABASE \"{other}\" WITH (FORCE)");
    }
}
