using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Tests.Support;
using Npgsql;

namespace ChunkGate.Broker.Tests.Leaks;

/// <summary>
/// Every route to a masked value, run directly against PostgreSQL as the issued role (no sidecar),
/// through a relay that keeps every byte the server sent. Each route is either masked (it runs,
/// and no raw value is in any byte received) or refused with permission denied.
/// </summary>
[Category("PostgreSQL")]
public sealed class DatabaseLeakTests
{
    private static readonly string[] RawValues = [BrokerDatabase.RawSsn, "123-45", BrokerDatabase.RawEmail, "alice.secret", "41112222", "vip since"];

    private BrokerDatabase database = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => database = await BrokerDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await database.DisposeAsync();

    // Through the masking view (the unqualified name): runs, masked.
    [TestCase("SELECT * FROM customers", true)]
    [TestCase("SELECT c.ssn AS anything, c.email AS e2, c.card, c.note FROM customers c", true)]
    [TestCase("SELECT ssn::int FROM customers WHERE id = 1", false, "a failed cast's error quotes the value it saw")]
    [TestCase("SELECT format('%s %s %s %s', ssn, email, card, note) FROM customers", true)]
    [TestCase("SELECT ssn || email || card || coalesce(note, '') FROM customers", true)]
    [TestCase("SELECT row_to_json(c) FROM customers c", true)]
    [TestCase("SELECT jsonb_build_object('s', ssn, 'e', email, 'c', card, 'n', note) FROM customers", true)]
    [TestCase("SELECT string_agg(ssn || email || card, ','), array_agg(ssn), array_agg(email), json_agg(c) FROM customers c", true)]
    [TestCase("SELECT substr(ssn, 1, 6), left(email, 12), reverse(card), upper(note) FROM customers", true)]
    [TestCase("SELECT (SELECT ssn FROM customers WHERE id = 1), (SELECT email FROM customers WHERE id = 1)", true)]
    [TestCase("WITH raw AS (SELECT * FROM customers) SELECT * FROM raw", true)]
    [TestCase("SELECT o.id, c.ssn, c.email, c.card FROM shop.orders o JOIN customers c ON c.id = o.customer_id", true)]
    [TestCase("SELECT id FROM customers WHERE ssn LIKE '123%' OR email LIKE 'alice%' OR card LIKE '4111%' OR note LIKE 'vip%'", true, "a WHERE oracle sees only masked values: no row matches")]
    [TestCase("SELECT id FROM customers WHERE substr(ssn, 1, 3) = '123'", true)]
    [TestCase("SELECT id, ssn FROM customers ORDER BY ssn, email, card", true)]
    [TestCase("DO $$ BEGIN RAISE NOTICE '%', (SELECT ssn || email || card FROM customers WHERE id = 1); END $$", true)]
    [TestCase("DO $$ BEGIN RAISE EXCEPTION '%', (SELECT ssn || email || card FROM customers WHERE id = 1); END $$", false)]
    [TestCase("SELECT * FROM chunkgate_masked.customers", true)]
    // Naming the base table: its masked columns are permission denied, however they are reached.
    [TestCase("SELECT * FROM shop.customers", false)]
    [TestCase("TABLE shop.customers", false)]
    [TestCase("SELECT ssn FROM shop.customers", false)]
    [TestCase("SELECT c.ssn AS x FROM shop.customers c", false)]
    [TestCase("SELECT ssn::int FROM shop.customers", false)]
    [TestCase("SELECT format('%s', email) FROM shop.customers", false)]
    [TestCase("SELECT row_to_json(c) FROM shop.customers c", false)]
    [TestCase("SELECT jsonb_build_object('s', ssn) FROM shop.customers", false)]
    [TestCase("SELECT string_agg(ssn, ',') FROM shop.customers", false)]
    [TestCase("SELECT array_agg(card) FROM shop.customers", false)]
    [TestCase("SELECT substr(ssn, 1, 3) FROM shop.customers", false)]
    [TestCase("SELECT id FROM shop.customers WHERE ssn LIKE '1%'", false)]
    [TestCase("SELECT id FROM shop.customers WHERE email = 'alice.secret@example.com'", false)]
    [TestCase("SELECT id FROM shop.customers ORDER BY ssn", false)]
    [TestCase("SELECT count(DISTINCT ssn) FROM shop.customers", false)]
    [TestCase("SELECT id FROM shop.customers c WHERE EXISTS (SELECT 1 WHERE c.card LIKE '4%')", false)]
    [TestCase("WITH raw AS (SELECT * FROM shop.customers) SELECT * FROM raw", false)]
    [TestCase("SELECT o.id, c.ssn FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id", false)]
    [TestCase("DO $$ BEGIN RAISE NOTICE '%', (SELECT ssn FROM shop.customers WHERE id = 1); END $$", false)]
    [TestCase("SELECT id, name FROM shop.customers ORDER BY id", true, "unmasked columns of the base table stay readable")]
    public async Task Route_IsMaskedOrPermissionDenied(string sql, bool runs, string? why = null)
    {
        foreach (var action in new[] { JobAction.Read, JobAction.Write })
        {
            var credential = await database.IssueAsync(action);
            await using var relay = new RecordingRelay(database.Server.Host, database.Server.Port);
            var state = "not run";
            await using (var connection = database.ConnectAs(credential, relay.Port))
            {
                await connection.OpenAsync();
                connection.Notice += (_, _) => { };
                state = await SqlOutcome.ErrorOfAsync(connection, sql) ?? "ok";
            }

            AssertNoRawValue(relay.Received(), sql);
            if (runs)
            {
                state.Should().Be("ok", why ?? "the route reads through the masking view");
            }
            else if (sql.Contains("shop.customers", StringComparison.Ordinal))
            {
                state.Should().Be(SqlOutcome.PermissionDenied);
            }
            else
            {
                state.Should().NotBe("ok");
            }
        }
    }

    [Test]
    public async Task Route_CopyToStdout_OfTheViewIsMasked_OfTheBaseTableDenied()
    {
        var credential = await database.IssueAsync(JobAction.Export);
        await using var relay = new RecordingRelay(database.Server.Host, database.Server.Port);
        await using (var connection = database.ConnectAs(credential, relay.Port))
        {
            await connection.OpenAsync();
            using (var reader = await connection.BeginTextExportAsync("COPY (SELECT * FROM customers) TO STDOUT"))
            {
                (await reader.ReadToEndAsync()).Should().Contain("REDACTED").And.Contain("************4444");
            }

            var denied = async () => await connection.BeginTextExportAsync("COPY (SELECT * FROM shop.customers) TO STDOUT");
            (await denied.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(SqlOutcome.PermissionDenied);
            var table = async () => await connection.BeginTextExportAsync("COPY shop.customers TO STDOUT");
            (await table.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(SqlOutcome.PermissionDenied);
        }

        AssertNoRawValue(relay.Received(), "COPY");
    }

    [Test]
    public async Task Route_AViewTheRoleBuildsOverTheBaseTable_IsDenied_OverTheMaskingViewIsMasked()
    {
        var credential = await database.IssueAsync(JobAction.Transform, "shop.customers");
        await using var relay = new RecordingRelay(database.Server.Host, database.Server.Port);
        await using (var connection = database.ConnectAs(credential, relay.Port))
        {
            await connection.OpenAsync();
            (await SqlOutcome.ErrorOfAsync(connection, "CREATE VIEW mine AS SELECT * FROM shop.customers")).Should().BeNull();
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM mine")).Should().Be(SqlOutcome.PermissionDenied);
            (await SqlOutcome.ErrorOfAsync(connection, "CREATE TABLE copied AS SELECT * FROM customers")).Should().BeNull();
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM copied")).Should().BeNull();
        }

        AssertNoRawValue(relay.Received(), "transform views");
        (await database.ScalarAsync<string>($"SELECT ssn FROM \"{credential.Role}\".copied WHERE id = 1")).Should().NotBe(BrokerDatabase.RawSsn);
    }

    [Test]
    public async Task Route_TheMaskedValuesReallyAreThere_SoTheLeakCheckCanFail()
    {
        // Guards the suite itself: the same relay sees raw values when the admin reads them.
        await using var relay = new RecordingRelay(database.Server.Host, database.Server.Port);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.AdminConnectionString) { Port = relay.Port, Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM shop.customers");
        }

        var received = Encoding.UTF8.GetString(relay.Received());
        RawValues.Should().OnlyContain(raw => received.Contains(raw));
    }

    private static void AssertNoRawValue(byte[] received, string route)
    {
        var text = Encoding.UTF8.GetString(received);
        foreach (var raw in RawValues)
        {
            text.Should().NotContain(raw, $"route: {route.Replace("{", "{{").Replace("}", "}}")}");
        }
    }
}
