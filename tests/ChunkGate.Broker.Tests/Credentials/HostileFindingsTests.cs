using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Masking;
using ChunkGate.Broker.Tests.Support;
using Npgsql;

namespace ChunkGate.Broker.Tests.Credentials;

/// <summary>
/// Holes a hostile tester found in the database layer, each reproduced as it was found. Every test
/// here failed on the broker before its fix.
/// </summary>
[Category("PostgreSQL")]
public sealed class HostileFindingsTests
{
    private BrokerDatabase database = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await BrokerDatabase.CreateAsync();
        await using var command = database.Admin.CreateCommand("""
            CREATE VIEW shop.customer_report AS SELECT id, ssn FROM shop.customers;
            CREATE TABLE shop.customers_archive () INHERITS (shop.customers);
            INSERT INTO shop.customers_archive VALUES (99, 'Old', '555-55-5555', 'old@example.com', '4000000000000002', NULL);
            """);
        await command.ExecuteNonQueryAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await database.DisposeAsync();

    [TestCase("pg_catalog.pg_statistic")]
    [TestCase("pg_catalog.pg_authid")]
    [TestCase("chunkgate.hash_key")]
    [TestCase("chunkgate.ledger")]
    [TestCase("chunkgate_masked.customers")]
    [TestCase("information_schema.tables")]
    [TestCase("pg_toast.pg_toast_1255")]
    public async Task Issue_RefusesSystemAndChunkGateSchemas(string table)
    {
        var request = BrokerDatabase.Request(JobAction.Read, "shop.orders", table);

        var issue = async () => await database.Broker.IssueAsync(request);

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain("a system or ChunkGate schema");
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", request.RoleName))).Should().Be(0);
    }

    [Test]
    public async Task Issue_RefusesAViewThatReadsAMaskedColumnAsItsOwner()
    {
        var issue = async () => await database.IssueAsync(JobAction.Read, "shop.customer_report");

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain("shop.customer_report is not a table (relkind v)");
    }

    [Test]
    public async Task Issue_RefusesAChildOfAMaskedTable()
    {
        var issue = async () => await database.IssueAsync(JobAction.Read, "shop.customers_archive");

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Message.Should()
            .Be("shop.customers_archive is a partition or child of the masked table shop.customers; list shop.customers instead, which is read through its masking view");
    }

    [TestCase("ALTER TABLE shop.customers RENAME COLUMN ssn TO social", "ALTER TABLE shop.customers RENAME COLUMN social TO ssn")]
    [TestCase("ALTER TABLE shop.customers RENAME TO clients", "ALTER TABLE shop.clients RENAME TO customers")]
    [TestCase("ALTER SCHEMA shop RENAME TO store", "ALTER SCHEMA store RENAME TO shop")]
    public async Task Issue_RefusesEverything_WhileAMaskedColumnsNameIsChanged(string rename, string back)
    {
        await using var renamed = await BrokerDatabase.CreateAsync();
        await Admin(renamed, rename);
        var refused = BrokerDatabase.Request(JobAction.Read, "hr.salaries");

        var issue = async () => await renamed.Broker.IssueAsync(refused);

        (await issue.Should().ThrowAsync<BrokerException>()).Which.Message.Should().MatchRegex(@"^masking rule\(s\) (.*, )?shop\.customers\.ssn(, .*)? name no existing column");
        await Admin(renamed, back);
        (await renamed.IssueAsync(JobAction.Read, "hr.salaries")).Role.Should().NotBeNullOrEmpty();
        // The refusal came after the refused role was created in the issue's transaction: it was
        // rolled back, not committed by the next issue on the same pooled connection.
        (await renamed.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", refused.RoleName))).Should().Be(0);
        (await renamed.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = @role", ("role", refused.RoleName))).Should().Be(0);
    }

    [Test]
    public async Task Issue_FindsAMaskedColumnWhoseNamesNeedQuoting()
    {
        await using var quoted = await BrokerDatabase.CreateAsync();
        await Admin(quoted, """CREATE TABLE shop."Mixed Case.t" ("Tax ID" text, id int PRIMARY KEY)""");
        await quoted.Masking.ApplyAsync([.. BrokerDatabase.Rules, new() { Column = "shop.\"Mixed Case.t\".\"Tax ID\"", Strategy = MaskStrategy.Redact }], BrokerDatabase.HashKey);

        (await quoted.IssueAsync(JobAction.Read, "hr.salaries")).Role.Should().NotBeNullOrEmpty();
    }

    [Test]
    public async Task Revoke_LeavesPlantedIndexCodeOwnedByARoleWithoutPower()
    {
        // The tester's exploit: an index expression that turns superuser-owned code into a new superuser
        // when anyone (autovacuum, an admin) analyzes the table after revocation reassigned it.
        var marker = "planted_" + Guid.NewGuid().ToString("N")[..8];
        var credential = await database.IssueAsync(JobAction.Transform, "shop.orders");
        await using (var connection = await database.OpenAsAsync(credential))
        {
            (await SqlOutcome.ErrorOfAsync(connection, $$"""
                CREATE FUNCTION plant(a int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
                BEGIN
                  BEGIN
                    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
                      EXECUTE 'CREATE ROLE {{marker}} SUPERUSER';
                    END IF;
                  EXCEPTION WHEN others THEN NULL;
                  END;
                  RETURN a;
                END $f$;
                CREATE TABLE bait (a int);
                CREATE INDEX ON bait (plant(a));
                INSERT INTO bait SELECT generate_series(1, 50);
                """)).Should().BeNull();
        }

        await database.Broker.RevokeAsync(credential.Role);
        await Admin(database, $"ANALYZE \"{credential.Role}\".bait");

        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @marker", ("marker", marker))).Should().Be(0);
        (await database.ScalarAsync<bool>("SELECT rolsuper FROM pg_roles WHERE rolname = 'chunkgate_retired'")).Should().BeFalse();
    }

    [Test]
    public async Task Revoke_RollsBackAPreparedTransactionThatWouldOutliveTheRole()
    {
        if (await database.ScalarAsync<string>("SHOW max_prepared_transactions") == "0")
        {
            Assert.Ignore("this server has prepared transactions disabled (max_prepared_transactions = 0)");
        }

        var credential = await database.IssueAsync(JobAction.Read);
        var gid = "ghost_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await database.OpenAsAsync(credential))
        {
            (await SqlOutcome.ErrorOfAsync(connection, $"BEGIN; SELECT count(*) FROM customers; PREPARE TRANSACTION '{gid}'")).Should().BeNull();
        }

        var revocation = await database.Broker.RevokeAsync(credential.Role).WaitAsync(TimeSpan.FromSeconds(60));

        revocation.Existed.Should().BeTrue();
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_prepared_xacts WHERE gid = @gid", ("gid", gid))).Should().Be(0);
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", credential.Role))).Should().Be(0);
    }

    [Test]
    public async Task Revoke_CleansWhatTheRoleLeftInAnotherDatabase_AndDropsIt()
    {
        // Any role may connect to a database PUBLIC may connect to and store a large object there;
        // DROP ROLE then failed forever ("objects in database …"), and the run never ended.
        var other = await database.Server.CreateDatabaseAsync("elsewhere");
        try
        {
            var credential = await database.IssueAsync(JobAction.Read, "shop.orders");
            await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectAs(credential).ConnectionString) { Database = other }.ConnectionString))
            {
                await connection.OpenAsync();
                (await SqlOutcome.ErrorOfAsync(connection, "SELECT lo_from_bytea(0, 'left behind'); CREATE TEMP TABLE t (a int)")).Should().BeNull();
            }

            var revocation = await database.Broker.RevokeAsync(credential.Role).WaitAsync(TimeSpan.FromSeconds(60));

            revocation.Existed.Should().BeTrue();
            (await database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", credential.Role))).Should().Be(0);
            await using var elsewhere = new NpgsqlConnection(database.Server.ConnectionStringFor(other));
            await elsewhere.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_largeobject_metadata", elsewhere);
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(0);
        }
        finally
        {
            await Admin(database, $"DROP DATABASE \"{other}\" WITH (FORCE)");
        }
    }

    [Test]
    public async Task ALoginHoldingTheBrokersLockKeys_BlocksNoIssueRevocationOrRuleChange()
    {
        // Advisory locks need no privilege: any login could take the broker's (their keys show in
        // pg_locks) and hold every issue, revocation and rule change indefinitely.
        var squatter = await database.IssueAsync(JobAction.Read, "shop.orders");
        var victim = BrokerDatabase.Request(JobAction.Read, "shop.orders");
        var revoked = await database.IssueAsync(JobAction.Read, "shop.orders");
        await using var session = await database.OpenAsAsync(squatter);
        (await SqlOutcome.ErrorOfAsync(session, $"""
            SELECT pg_advisory_lock(hashtext('chunkgate.grants')), pg_advisory_lock(hashtext('chunkgate.install')),
                   pg_advisory_lock(hashtext('chunkgate.role.{victim.RoleName}'))
            """)).Should().BeNull();
        (await SqlOutcome.ErrorOfAsync(session, "BEGIN; LOCK TABLE chunkgate.grants_lock IN ACCESS SHARE MODE")).Should().Be(SqlOutcome.PermissionDenied);
        (await SqlOutcome.ErrorOfAsync(session, "ROLLBACK")).Should().BeNull();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        (await database.Broker.IssueAsync(victim, patience.Token)).Created.Should().BeTrue();
        (await database.Broker.RevokeAsync(revoked.Role, patience.Token)).Existed.Should().BeTrue();
        await database.Masking.ApplyAsync(BrokerDatabase.Rules, BrokerDatabase.HashKey, patience.Token);
        await new CredentialBroker(database.Admin, TimeProvider.System).IssueAsync(BrokerDatabase.Request(JobAction.Read, "shop.orders"), patience.Token);
    }

    [Test]
    public async Task Revoke_IsNotHeldByAnotherRolesPreparedGrantToIt()
    {
        if (await database.ScalarAsync<string>("SHOW max_prepared_transactions") == "0")
        {
            Assert.Ignore("this server has prepared transactions disabled (max_prepared_transactions = 0)");
        }

        var holder = await database.IssueAsync(JobAction.Read, "shop.orders");
        var victim = await database.IssueAsync(JobAction.Read, "shop.orders");
        var gid = "held_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await database.OpenAsAsync(holder))
        {
            (await SqlOutcome.ErrorOfAsync(connection, $$"""
                BEGIN;
                DO $d$ BEGIN EXECUTE pg_catalog.format('GRANT SELECT ON LARGE OBJECT %s TO %I', pg_catalog.lo_from_bytea(0, 'x'), '{{victim.Role}}'); END $d$;
                PREPARE TRANSACTION '{{gid}}'
                """)).Should().BeNull();
        }

        try
        {
            var revocation = await database.Broker.RevokeAsync(victim.Role).WaitAsync(TimeSpan.FromSeconds(30));

            revocation.Existed.Should().BeTrue();
            (await database.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolname = @role", ("role", victim.Role))).Should().Be(0);
            (await database.ScalarAsync<long>("SELECT count(*) FROM pg_prepared_xacts WHERE gid = @gid", ("gid", gid))).Should().Be(0, "the grant to the revoked role was rolled back");
        }
        finally
        {
            if (await database.ScalarAsync<long>("SELECT count(*) FROM pg_prepared_xacts WHERE gid = @gid", ("gid", gid)) > 0)
            {
                await Admin(database, $"ROLLBACK PREPARED '{gid}'");
            }
        }
    }

    private static async Task Admin(BrokerDatabase on, string sql)
    {
        await using var command = on.Admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
