using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Tests.Support;
using Npgsql;

namespace ChunkGate.Broker.Tests.Credentials;

[Category("PostgreSQL")]
internal sealed class IssueTests : BrokerDatabaseFixture
{
    [Test]
    public async Task Issue_CreatesALoginRole_WithExpiryConnectionLimitAndNoMemberships()
    {
        var request = BrokerDatabase.Request(JobAction.Read) with { ConnectionLimit = 3 };
        var credential = await Database.Broker.IssueAsync(request);

        credential.Role.Should().Be(RoleNames.For(request.JobUid, 1)).And.StartWith(RoleNames.Prefix);
        credential.Password.Length.Should().BeGreaterThanOrEqualTo(43, "256 random bits in base64");
        credential.Created.Should().BeTrue();
        await using var command = Database.Admin.CreateCommand(
            """
            SELECT rolcanlogin, rolinherit, rolsuper, rolcreaterole, rolcreatedb, rolconnlimit, rolvaliduntil,
                   (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid)
            FROM pg_roles r WHERE rolname = @role
            """);
        command.Parameters.AddWithValue("role", credential.Role);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetBoolean(0).Should().BeTrue();
        reader.GetBoolean(1).Should().BeFalse("NOINHERIT");
        reader.GetBoolean(2).Should().BeFalse();
        reader.GetBoolean(3).Should().BeFalse();
        reader.GetBoolean(4).Should().BeFalse();
        reader.GetInt32(5).Should().Be(3);
        reader.GetFieldValue<DateTimeOffset>(6).Should().BeCloseTo(request.ExpiresAt, TimeSpan.FromMilliseconds(1));
        reader.GetInt64(7).Should().Be(0, "the role is a member of no other role");
    }

    [Test]
    public async Task AnIssueRefusedAfterItsRoleWasCreated_LeavesNothingOfItsTransactionOnItsPooledConnection()
    {
        // One pooled connection, so the check below runs on the very connection the refused issue used.
        await using var single = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Database.AdminConnectionString) { MaxPoolSize = 1 }.ConnectionString);
        var broker = new CredentialBroker(single, TimeProvider.System);
        var refused = BrokerDatabase.Request(JobAction.Read, "shop.no_such_table");

        await broker.Invoking(b => b.IssueAsync(refused)).Should().ThrowAsync<BrokerException>();

        await using (var connection = await single.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT pg_catalog.txid_current_if_assigned() IS NULL,
                       (SELECT count(*) FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid() AND locktype = 'advisory'),
                       (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = @role)
                """, connection);
            command.Parameters.AddWithValue("role", refused.RoleName);
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();
            reader.GetBoolean(0).Should().BeTrue("the refused issue's transaction (it had created the role) was rolled back");
            reader.GetInt64(1).Should().Be(0, "its advisory locks went with it");
            reader.GetInt64(2).Should().Be(0);
        }

        (await broker.IssueAsync(BrokerDatabase.Request(JobAction.Read, "shop.orders"))).Created.Should().BeTrue();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", refused.RoleName))).Should().Be(0);
    }

    [TestCase(JobAction.Read)]
    [TestCase(JobAction.Export)]
    [TestCase(JobAction.Write)]
    [TestCase(JobAction.Transform)]
    public async Task Issue_RoleDoesExactlyItsActionOnItsTables(JobAction action)
    {
        var credential = await Database.IssueAsync(action, "shop.orders", "shop.customers");
        await using var connection = await Database.OpenAsAsync(credential);

        (await SqlOutcome.ErrorOfAsync(connection, "SELECT count(*) FROM shop.orders")).Should().BeNull();
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT id, name FROM shop.customers")).Should().BeNull();
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT ssn FROM customers")).Should().BeNull("the masking view is first on the search_path");
        var writes = await SqlOutcome.ErrorOfAsync(connection, "UPDATE shop.orders SET amount = amount WHERE id = 1");
        var inserts = await SqlOutcome.ErrorOfAsync(connection, "INSERT INTO shop.orders VALUES (1000 + pg_backend_pid(), 1, 1)");
        var deletes = await SqlOutcome.ErrorOfAsync(connection, "DELETE FROM shop.orders WHERE id = -1");
        if (action == JobAction.Write)
        {
            new[] { writes, inserts, deletes }.Should().OnlyContain(state => state == null);
        }
        else
        {
            new[] { writes, inserts, deletes }.Should().OnlyContain(state => state == SqlOutcome.PermissionDenied);
        }

        var scratch = await SqlOutcome.ErrorOfAsync(connection, "CREATE TABLE scratch_out AS SELECT id, amount FROM shop.orders");
        if (action == JobAction.Transform)
        {
            scratch.Should().BeNull("a transform writes into its own scratch schema, first on its search_path");
            (await Database.ScalarAsync<string>("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 'scratch_out'")).Should().Be(credential.Role);
        }
        else
        {
            scratch.Should().Be(SqlOutcome.PermissionDenied);
        }
    }

    [TestCase("SELECT * FROM shop.suppliers", TestName = "another table in the same schema")]
    [TestCase("SELECT * FROM hr.salaries", TestName = "another schema")]
    [TestCase("CREATE TABLE public.mine (id int)", TestName = "CREATE in public")]
    [TestCase("CREATE TABLE shop.mine (id int)", TestName = "CREATE in the table's schema")]
    [TestCase("CREATE SCHEMA mine", TestName = "CREATE SCHEMA")]
    [TestCase("COPY shop.orders FROM PROGRAM 'id'", TestName = "COPY FROM PROGRAM")]
    [TestCase("COPY (SELECT 1) TO '/tmp/chunkgate-broker-leak'", TestName = "COPY TO a server file")]
    [TestCase("SET ROLE postgres", TestName = "SET ROLE")]
    [TestCase("SET SESSION AUTHORIZATION postgres", TestName = "SET SESSION AUTHORIZATION")]
    [TestCase("SELECT * FROM chunkgate.hash_key", TestName = "reading the hash key")]
    [TestCase("SELECT * FROM chunkgate.ledger", TestName = "reading the ledger")]
    [TestCase("SELECT pg_read_file('PG_VERSION')", TestName = "pg_read_file")]
    [TestCase("SELECT pg_ls_dir('.')", TestName = "pg_ls_dir")]
    [TestCase("ALTER TABLE shop.orders ADD COLUMN x int", TestName = "ALTER a listed table")]
    [TestCase("TRUNCATE shop.orders", TestName = "TRUNCATE a listed table")]
    public async Task Issue_RoleCannotDoAnythingElse(string sql)
    {
        foreach (var action in Enum.GetValues<JobAction>())
        {
            var credential = await Database.IssueAsync(action, "shop.orders", "shop.customers");
            await using var connection = await Database.OpenAsAsync(credential);
            (await SqlOutcome.ErrorOfAsync(connection, sql)).Should().Be(SqlOutcome.PermissionDenied, $"{action} must not be able to run {sql}");
        }
    }

    [Test]
    public async Task Issue_IsIdempotent_SameRoleNewPasswordOldOneRefused()
    {
        var request = BrokerDatabase.Request(JobAction.Read);
        var first = await Database.Broker.IssueAsync(request);
        var second = await Database.Broker.IssueAsync(request);

        second.Role.Should().Be(first.Role);
        second.Created.Should().BeFalse();
        second.Password.Should().NotBe(first.Password);
        await using (var connection = await Database.OpenAsAsync(second))
        {
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT count(*) FROM shop.orders")).Should().BeNull();
        }

        var stale = async () => await Database.OpenAsAsync(first);
        (await stale.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28P01");
        (await Database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = @role", ("role", first.Role))).Should().Be(1);
    }

    [Test]
    public async Task Issue_NeverStoresOrPrintsThePassword()
    {
        var credential = await Database.IssueAsync(JobAction.Read);

        credential.ToString().Should().NotContain(credential.Password);
        var ledger = await Database.ScalarAsync<string>("SELECT string_agg(l::text, ' ') FROM chunkgate.ledger l");
        ledger.Should().Contain(credential.Role).And.NotContain(credential.Password);
        var stored = await Database.ScalarAsync<string>("SELECT rolpassword FROM pg_authid WHERE rolname = @role", ("role", credential.Role));
        stored.Should().StartWith("SCRAM-SHA-256$").And.NotContain(credential.Password);
    }

    [Test]
    public async Task Issue_MissingTable_FailsNamingIt_AndRecordsNothing()
    {
        var request = BrokerDatabase.Request(JobAction.Read, "shop.orders", "shop.nowhere");
        var issue = async () => await Database.Broker.IssueAsync(request);

        var failure = (await issue.Should().ThrowAsync<BrokerException>()).Which;
        failure.Message.Should().Contain("shop.nowhere").And.Contain("does not exist");
        failure.Retryable.Should().BeFalse();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", request.RoleName))).Should().Be(0);
        (await Database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = @role", ("role", request.RoleName))).Should().Be(0);
    }

    [TestCase("shop")]
    [TestCase("shop.orders; DROP TABLE shop.orders")]
    [TestCase("shop.\"orders\"\"; --\"")]
    [TestCase("a.b.c")]
    public async Task Issue_MalformedOrHostileTableName_IsRefusedAndRunsNothing(string table)
    {
        var issue = async () => await Database.Broker.IssueAsync(BrokerDatabase.Request(JobAction.Read, table));

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Retryable.Should().BeFalse();
        (await Database.ScalarAsync<long>("SELECT count(*) FROM shop.orders")).Should().Be(50);
    }

    [Test]
    public async Task Issue_ExpiredApproval_IsRefused()
    {
        var request = BrokerDatabase.Request(JobAction.Read) with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) };
        var issue = async () => await Database.Broker.IssueAsync(request);

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain("expired");
    }

    [Test]
    public async Task Issue_AfterRevocation_IsRefused_ANewRunGetsANewRole()
    {
        var request = BrokerDatabase.Request(JobAction.Read);
        var credential = await Database.Broker.IssueAsync(request);
        await Database.Broker.RevokeAsync(credential.Role);

        var again = async () => await Database.Broker.IssueAsync(request);
        (await again.Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain("revoked");
        var next = await Database.Broker.IssueAsync(request with { Run = 2 });
        next.Role.Should().NotBe(credential.Role);
    }

    [Test]
    public async Task Issue_DatabaseDown_IsRetryable()
    {
        var port = System.Net.Sockets.TcpListener.Create(0);
        port.Start();
        var closed = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        await using var down = new Connection.AdminConnectionSettingsBuilder(closed).Build();
        var broker = new CredentialBroker(down, TimeProvider.System);

        var issue = async () => await broker.IssueAsync(BrokerDatabase.Request(JobAction.Read));

        var failure = (await issue.Should().ThrowAsync<BrokerException>()).Which;
        failure.Retryable.Should().BeTrue();
        failure.Message.Should().NotContain("secret-admin-password");
    }
}
