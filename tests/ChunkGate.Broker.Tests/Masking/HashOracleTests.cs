using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Masking;
using ChunkGate.Broker.Tests.Support;
using Npgsql;

namespace ChunkGate.Broker.Tests.Masking;

/// <summary>
/// The keyed hash as the issued role meets it: the views hash with the key's pads, the role can
/// neither hash a value of its own (no oracle for low-entropy columns) nor see the pads in a plan,
/// nor swap the hash's building blocks for its own through its search_path.
/// </summary>
[Category("PostgreSQL")]
public sealed class HashOracleTests
{
    private static readonly (byte[] Inner, byte[] Outer) KeyPads = HashKey.Pads(BrokerDatabase.HashKey);

    private BrokerDatabase database = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => database = await BrokerDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await database.DisposeAsync();

    [Test]
    public async Task Role_CannotHashAValueOfItsChoice()
    {
        var credential = await database.IssueAsync(JobAction.Read);
        await using var connection = await database.OpenAsAsync(credential);
        var masked = await ScalarAsync<string>(connection, "SELECT ssn FROM customers WHERE id = 1");
        masked.Should().MatchRegex("^[0-9a-f]{32}$");

        // The one-argument hash that read the key itself is gone; the remaining ones need the pads.
        (await SqlOutcome.ErrorOfAsync(connection, $"SELECT chunkgate_masked.hmac(convert_to('{BrokerDatabase.RawSsn}', 'UTF8'))")).Should().Be("42883");
        (await SqlOutcome.ErrorOfAsync(connection, $"SELECT chunkgate_masked.hmac_int8(convert_to('{BrokerDatabase.RawSsn}', 'UTF8'))")).Should().Be("42883");
        (await SqlOutcome.ErrorOfAsync(connection, $"SELECT chunkgate_masked.hmac(convert_to('{BrokerDatabase.RawSsn}', 'UTF8'), inner_pad, outer_pad) FROM chunkgate.hash_key"))
            .Should().Be(SqlOutcome.PermissionDenied);
        var guessed = await ScalarAsync<string>(
            connection, $"SELECT encode(substr(chunkgate_masked.hmac(convert_to('{BrokerDatabase.RawSsn}', 'UTF8'), '\\x', '\\x'), 1, 16), 'hex')");
        guessed.Should().NotBe(masked);

        // Nothing the role may execute runs with the admin's rights.
        (await ScalarAsync<long>(connection,
            "SELECT count(*) FROM pg_proc WHERE prosecdef AND pronamespace IN ('chunkgate'::regnamespace, 'chunkgate_masked'::regnamespace) AND has_function_privilege(oid, 'EXECUTE')"))
            .Should().Be(0);
    }

    [TestCase("EXPLAIN (ANALYZE, VERBOSE, BUFFERS, SETTINGS) SELECT * FROM customers")]
    [TestCase("EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) SELECT ssn FROM customers WHERE ssn > 'a' ORDER BY ssn")]
    [TestCase("EXPLAIN (VERBOSE, COSTS OFF) SELECT (SELECT ssn FROM customers WHERE id = 1) AS one")]
    public async Task Explain_ShowsThePlan_NeverThePads(string sql)
    {
        var credential = await database.IssueAsync(JobAction.Read);
        await using var connection = await database.OpenAsAsync(credential);
        var lines = new List<string>();
        await using (var command = new NpgsqlCommand(sql, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        var plan = string.Join('\n', lines);
        plan.Should().Contain("hash_key", "the plan shows where the pads come from");
        plan.Should().Contain("sha256", "the hash is inlined into the view's plan");
        foreach (var secret in new[] { KeyPads.Inner, KeyPads.Outer, BrokerDatabase.HashKey })
        {
            plan.Should().NotContain(Convert.ToHexStringLower(secret)).And.NotContain(Convert.ToHexString(secret));
        }
    }

    [Test]
    public async Task Statistics_OfTheKeyTable_AreNotVisible()
    {
        await database.ScalarAsync<object>("ANALYZE chunkgate.hash_key");
        (await database.ScalarAsync<long>("SELECT count(*) FROM pg_stats WHERE schemaname = 'chunkgate' AND tablename = 'hash_key'")).Should().BeGreaterThan(0, "the admin sees them, so the role's check can fail");

        var credential = await database.IssueAsync(JobAction.Read);
        await using var connection = await database.OpenAsAsync(credential);
        (await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_stats WHERE schemaname = 'chunkgate'")).Should().Be(0);
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT * FROM pg_statistic")).Should().Be(SqlOutcome.PermissionDenied);
    }

    [Test]
    public async Task Role_OwnSha256ConcatenationAndLeakyWhere_NeverSeeTheKeyOrRawValues()
    {
        var expected = await database.ScalarAsync<string>("SELECT ssn FROM chunkgate_masked.customers WHERE id = 1");
        var credential = await database.IssueAsync(JobAction.Transform, "shop.customers");
        await using var connection = await database.OpenAsAsync(credential);
        var scratch = credential.Role;
        foreach (var statement in new[]
        {
            $"CREATE TABLE \"{scratch}\".seen (value bytea)",
            $"CREATE FUNCTION \"{scratch}\".sha256(value bytea) RETURNS bytea LANGUAGE sql AS $$ INSERT INTO \"{scratch}\".seen VALUES (value) RETURNING value $$",
            $"CREATE FUNCTION \"{scratch}\".concat_bytes(a bytea, b bytea) RETURNS bytea LANGUAGE sql AS $$ INSERT INTO \"{scratch}\".seen VALUES (a), (b) RETURNING a $$",
            $"CREATE OPERATOR \"{scratch}\".|| (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = \"{scratch}\".concat_bytes)",
            $"CREATE FUNCTION \"{scratch}\".leak(value text) RETURNS boolean LANGUAGE sql COST 0.0001 AS $$ INSERT INTO \"{scratch}\".seen VALUES (convert_to(value, 'UTF8')) RETURNING true $$",
            $"SET search_path = \"{scratch}\", pg_catalog, chunkgate_masked, shop",
        })
        {
            (await SqlOutcome.ErrorOfAsync(connection, statement)).Should().BeNull(statement);
        }

        (await ScalarAsync<string>(connection, "SELECT ssn FROM customers WHERE id = 1")).Should().Be(expected);
        (await ScalarAsync<long>(connection, $"SELECT count(*) FROM \"{scratch}\".seen")).Should().Be(0);

        // A cheap function of the role's in WHERE runs after the view's expressions (security
        // barrier): it sees the masked value, never the raw one or the pads.
        (await SqlOutcome.ErrorOfAsync(connection, $"SELECT id FROM customers WHERE \"{scratch}\".leak(ssn) AND \"{scratch}\".leak(email)")).Should().BeNull();
        var seen = await ScalarAsync<string>(connection, $"SELECT string_agg(encode(value, 'hex'), ' ') FROM \"{scratch}\".seen");
        seen.Should().Contain(Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(expected!)), "the role's function ran on the masked values");
        foreach (var secret in new[] { KeyPads.Inner, KeyPads.Outer, BrokerDatabase.HashKey, System.Text.Encoding.UTF8.GetBytes(BrokerDatabase.RawSsn), System.Text.Encoding.UTF8.GetBytes(BrokerDatabase.RawEmail) })
        {
            seen.Should().NotContain(Convert.ToHexStringLower(secret));
        }

        (await ScalarAsync<byte[]>(connection, "SELECT sha256('\\x00'::bytea)")).Should().Equal([0], "the role's own sha256 is what its own queries call, so the check can fail");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? default! : (T)result!;
    }
}
