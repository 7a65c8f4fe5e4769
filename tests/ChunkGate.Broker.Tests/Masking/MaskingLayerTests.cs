using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Tests.Support;

namespace ChunkGate.Broker.Tests.Masking;

[Category("PostgreSQL")]
public sealed class MaskingLayerTests
{
    private BrokerDatabase database = null!;

    [SetUp]
    public async Task StartAsync() => database = await BrokerDatabase.CreateAsync();

    [TearDown]
    public async Task StopAsync() => await database.DisposeAsync();

    [Test]
    public async Task View_HasTheTablesColumnsInOrder_IsSecurityBarrier_OwnedByTheAdmin()
    {
        (await database.ScalarAsync<string>("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'chunkgate_masked.customers'::regclass AND attnum > 0"))
            .Should().Be("id,name,ssn,email,card,note");
        (await database.ScalarAsync<string>("SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'chunkgate_masked.customers'::regclass AND attnum > 0"))
            .Should().Be("integer,text,text,character varying(64),text,text");
        (await database.ScalarAsync<string[]>("SELECT reloptions FROM pg_class WHERE oid = 'chunkgate_masked.customers'::regclass")).Should().Contain("security_barrier=true");
        (await database.ScalarAsync<string>("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'chunkgate_masked.customers'::regclass")).Should().Be(database.Server.User);
    }

    [Test]
    public async Task HashKey_IsNowhereTheRoleCanRead()
    {
        var credential = await database.IssueAsync(JobAction.Read);
        await using var connection = await database.OpenAsAsync(credential);
        var keyHex = Convert.ToHexStringLower(BrokerDatabase.HashKey);

        (await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM chunkgate.hash_key")).Should().Be(SqlOutcome.PermissionDenied);
        var definitions = await database.ScalarAsync<string>(
            "SELECT string_agg(prosrc, ' ') FROM pg_proc WHERE pronamespace = 'chunkgate_masked'::regnamespace");
        var views = await database.ScalarAsync<string>("SELECT string_agg(pg_get_viewdef(oid), ' ') FROM pg_class WHERE relnamespace = 'chunkgate_masked'::regnamespace");
        var settings = await database.ScalarAsync<string>("SELECT string_agg(setting, ' ') FROM pg_settings");
        foreach (var text in new[] { definitions, views, settings })
        {
            text.Should().NotContain("0123456789abcdef").And.NotContain(keyHex);
        }

        // Inlinable (no SECURITY DEFINER, no SET), and bound to its sha256 and || when created.
        (await database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'chunkgate_masked'::regnamespace AND NOT prosecdef AND proconfig IS NULL AND prosqlbody IS NOT NULL AND provolatile = 'i'"))
            .Should().Be(2);
    }

    [Test]
    public async Task RulesChanged_LiveRolesLoseNewlyMaskedColumns_AndRegainUnmaskedOnes()
    {
        var credential = await database.IssueAsync(JobAction.Read);
        await using (var before = await database.OpenAsAsync(credential))
        {
            (await SqlOutcome.ErrorOfAsync(before, "SELECT name FROM shop.customers")).Should().BeNull();
            (await SqlOutcome.ErrorOfAsync(before, "SELECT ssn FROM shop.customers")).Should().Be(SqlOutcome.PermissionDenied);
        }

        await database.Masking.ApplyAsync(
            [new ColumnMask { Column = "shop.customers.name", Strategy = MaskStrategy.Redact }, new ColumnMask { Column = "shop.orders.amount", Strategy = MaskStrategy.Null }],
            BrokerDatabase.HashKey);

        await using var after = await database.OpenAsAsync(credential);
        (await SqlOutcome.ErrorOfAsync(after, "SELECT name FROM shop.customers")).Should().Be(SqlOutcome.PermissionDenied);
        (await SqlOutcome.ErrorOfAsync(after, "SELECT ssn FROM shop.customers")).Should().BeNull("ssn is no longer masked");
        (await SqlOutcome.ErrorOfAsync(after, "SELECT amount FROM shop.orders")).Should().Be(SqlOutcome.PermissionDenied);
        (await SqlOutcome.ErrorOfAsync(after, "SELECT amount FROM orders")).Should().BeNull("the new view of orders is readable");
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relnamespace = 'chunkgate_masked'::regnamespace AND relkind = 'v'")).Should().Be(2);
    }

    [Test]
    public async Task Apply_Twice_IsIdempotent()
    {
        await database.Masking.ApplyAsync(BrokerDatabase.Rules, BrokerDatabase.HashKey);
        var credential = await database.IssueAsync(JobAction.Read);
        await database.Masking.ApplyAsync(BrokerDatabase.Rules, BrokerDatabase.HashKey);

        await using var connection = await database.OpenAsAsync(credential);
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM customers")).Should().BeNull();
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT ssn FROM shop.customers")).Should().Be(SqlOutcome.PermissionDenied);
    }

    [TestCase("shop.customers.nope", "shop.customers has no column nope")]
    [TestCase("shop.nowhere.ssn", "table shop.nowhere does not exist")]
    public async Task Apply_MissingTableOrColumn_FailsNamingIt_AndChangesNothing(string column, string message)
    {
        var apply = async () => await database.Masking.ApplyAsync([new ColumnMask { Column = column, Strategy = MaskStrategy.Redact }], BrokerDatabase.HashKey);

        var failure = (await apply.Should().ThrowAsync<BrokerException>()).Which;
        failure.Message.Should().Contain(message);
        failure.Retryable.Should().BeFalse();
        (await database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.masked_columns")).Should().Be(BrokerDatabase.Rules.Count);
    }

    [Test]
    public async Task Apply_TwoMaskedTablesWithOneName_IsRefused()
    {
        await database.ScalarAsync<object>("CREATE TABLE hr.customers (id int, ssn text)");
        var apply = async () => await database.Masking.ApplyAsync(
            [new ColumnMask { Column = "shop.customers.ssn", Strategy = MaskStrategy.Hash }, new ColumnMask { Column = "hr.customers.ssn", Strategy = MaskStrategy.Hash }],
            BrokerDatabase.HashKey);

        (await apply.Should().ThrowAsync<BrokerException>()).Which.Message.Should().Contain("hr.customers").And.Contain("shop.customers");
    }

    [Test]
    public async Task Remove_DropsViewsFunctionsAndKey()
    {
        await database.Masking.RemoveAsync();

        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname = 'chunkgate_masked'")).Should().Be(0);
        (await database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.hash_key")).Should().Be(0);
    }
}
