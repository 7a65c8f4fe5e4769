using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Tests.Support;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Broker.Tests.Credentials;

[Category("PostgreSQL")]
internal sealed class RevokeTests : BrokerDatabaseFixture
{
    [Test]
    public async Task Revoke_EndsASessionInsideALongQuery_AndTheRoleCannotLogInAgain()
    {
        var credential = await Database.IssueAsync(JobAction.Read);
        await using var connection = await Database.OpenAsAsync(credential);
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(600)", connection) { CommandTimeout = 0 };
        var running = sleep.ExecuteScalarAsync();
        await Eventually.TrueAsync(
            async () => await Database.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE usename = @role AND query LIKE 'SELECT pg_sleep%' AND state = 'active'", ("role", credential.Role)) == 1,
            "the role's pg_sleep is running", interval: TimeSpan.FromMilliseconds(20));

        var revocation = await Database.Broker.RevokeAsync(credential.Role);

        revocation.Existed.Should().BeTrue();
        revocation.SessionsTerminated.Should().Be(1);
        var interrupted = async () => await running;
        await interrupted.Should().ThrowAsync<Exception>();
        var login = async () => await Database.OpenAsAsync(credential);
        (await login.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28P01", "the role no longer exists");
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", credential.Role))).Should().Be(0);
        (await Database.ScalarAsync<DateTime?>("SELECT revoked_at FROM chunkgate.ledger WHERE role = @role", ("role", credential.Role))).Should().NotBeNull();
    }

    [Test]
    public async Task Revoke_FinishesWhileASessionHoldsRowLocksInAnOpenTransaction()
    {
        var credential = await Database.IssueAsync(JobAction.Write);
        await using var holder = await Database.OpenAsAsync(credential);
        await using var transaction = await holder.BeginTransactionAsync();
        (await SqlOutcome.ErrorOfAsync(holder, "UPDATE shop.orders SET amount = amount + 1 WHERE id <= 10")).Should().BeNull();
        (await SqlOutcome.ErrorOfAsync(holder, "LOCK TABLE shop.orders IN EXCLUSIVE MODE")).Should().BeNull();

        var revocation = await Database.Broker.RevokeAsync(credential.Role).WaitAsync(TimeSpan.FromSeconds(30));

        revocation.SessionsTerminated.Should().Be(1);
        (await Database.ScalarAsync<decimal>("SELECT amount FROM shop.orders WHERE id = 1")).Should().Be(2.5m, "the terminated transaction rolled back");
    }

    [Test]
    public async Task Revoke_Twice_SucceedsAndSaysTheRoleWasGone()
    {
        var credential = await Database.IssueAsync(JobAction.Read);

        var first = await Database.Broker.RevokeAsync(credential.Role);
        var second = await Database.Broker.RevokeAsync(credential.Role);

        first.Existed.Should().BeTrue();
        second.Should().Be(first with { Existed = false, SessionsTerminated = 0 });
    }

    [Test]
    public async Task Revoke_Transform_KeepsItsOutputOwnedByThePowerlessRetiredRole()
    {
        var credential = await Database.IssueAsync(JobAction.Transform, "shop.orders");
        await using (var connection = await Database.OpenAsAsync(credential))
        {
            (await SqlOutcome.ErrorOfAsync(connection, "CREATE TABLE totals AS SELECT customer_id, sum(amount) FROM shop.orders GROUP BY 1")).Should().BeNull();
        }

        await Database.Broker.RevokeAsync(credential.Role);

        (await Database.ScalarAsync<string>($"SELECT tableowner::text FROM pg_tables WHERE schemaname = '{credential.Role}' AND tablename = 'totals'"))
            .Should().Be("chunkgate_retired");
    }

    [TestCase(JobAction.Read)]
    [TestCase(JobAction.Transform)]
    public async Task Revoke_UnlinksTheRolesLargeObjects_NothingItWroteThatWayOutlivesTheRun(JobAction action)
    {
        // Large objects need no privilege to create (lo_compat_privileges is off), so even a read
        // role can store one; reassigned to the retired role, it outlived the run (hostile probe).
        var credential = await Database.IssueAsync(action, "shop.orders");
        long planted;
        await using (var connection = await Database.OpenAsAsync(credential))
        await using (var create = new NpgsqlCommand("SELECT lo_from_bytea(0, 'kept past the run')::bigint", connection))
        {
            planted = (long)(await create.ExecuteScalarAsync())!;
        }

        await Database.Broker.RevokeAsync(credential.Role);

        (await Database.ScalarAsync<long>($"SELECT count(*) FROM pg_largeobject_metadata WHERE oid = {planted}")).Should().Be(0);
    }

    [Test]
    public async Task Revoke_RefusesARoleThatIsNotChunkGates()
    {
        var revoke = async () => await Database.Broker.RevokeAsync("postgres");

        (await revoke.Should().ThrowAsync<BrokerException>()).Which.Retryable.Should().BeFalse();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'")).Should().Be(1);
    }
}
