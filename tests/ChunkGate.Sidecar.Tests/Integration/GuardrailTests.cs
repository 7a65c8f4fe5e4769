using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Integration;

[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class GuardrailTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("guard", ProxyTestData.Setup, build);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase("INSERT INTO inbox (body) VALUES ('x')", "25006")]
    [TestCase("WITH gone AS (DELETE FROM inbox RETURNING *) SELECT * FROM gone", "25006")]
    [TestCase("CREATE TABLE sneaky (id int)", "25006")]
    [TestCase("SET ROLE postgres", "42501")]
    [TestCase("SET SESSION AUTHORIZATION postgres", "42501")]
    [TestCase("SELECT set_config('default_transaction_read_only', 'off', false)", "42501")]
    [TestCase("SET default_transaction_read_only = off", "42501")]
    [TestCase("BEGIN READ WRITE", "42501")]
    [TestCase("COPY customers TO STDOUT", "42501")]
    [TestCase("COPY inbox FROM STDIN", "42501")]
    [TestCase("DO $$ BEGIN PERFORM 1; END $$", "42501")]
    public async Task Read_RefusesWhatTheApprovalDoesNotCover_AndTheSessionStaysUsable(string sql, string sqlState)
    {
        await harness.StartAsync(harness.Options(SessionAction.Read));
        await using var connection = await harness.OpenSidecarAsync();
        await using var refused = new NpgsqlCommand(sql, connection);
        var act = async () => await refused.ExecuteNonQueryAsync();
        var error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be(sqlState);
        error.MessageText.Should().Contain("ChunkGate sidecar refused");
        await using var next = new NpgsqlCommand("SELECT count(*) FROM inbox", connection);
        (await next.ExecuteScalarAsync()).Should().Be(0L);
    }

    [Test]
    public async Task Read_RefusesParameterisedWrites_InTheExtendedProtocol()
    {
        await harness.StartAsync(harness.Options(SessionAction.Read));
        await using var connection = await harness.OpenSidecarAsync();
        await using var insert = new NpgsqlCommand("INSERT INTO inbox (body) VALUES ($1)", connection) { Parameters = { new NpgsqlParameter { Value = "x" } } };
        var act = async () => await insert.ExecuteNonQueryAsync();
        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("25006");
        await using var select = new NpgsqlCommand("SELECT name FROM customers WHERE id = $1", connection) { Parameters = { new NpgsqlParameter { Value = 5 } } };
        (await select.ExecuteScalarAsync()).Should().Be("customer 5");
    }

    [Test]
    public async Task Write_AllowsDml_ButRefusesDdl()
    {
        await harness.StartAsync(harness.Options(SessionAction.Write));
        await using var connection = await harness.OpenSidecarAsync();
        await using var single = new NpgsqlCommand("INSERT INTO inbox (body) VALUES ($1)", connection) { Parameters = { new NpgsqlParameter { Value = "x" } } };
        (await single.ExecuteNonQueryAsync()).Should().Be(1);
        await using var ddl = new NpgsqlCommand("DROP TABLE inbox", connection);
        var act = async () => await ddl.ExecuteNonQueryAsync();
        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("42501");
        await using var cleanup = new NpgsqlCommand("DELETE FROM inbox", connection);
        await cleanup.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task Export_AllowsCopyToStdout_ButNotCopyFrom()
    {
        await harness.StartAsync(harness.Options(SessionAction.Export));
        await using var connection = await harness.OpenSidecarAsync();
        using (var reader = await connection.BeginTextExportAsync("COPY (SELECT id, name FROM customers WHERE id <= 3 ORDER BY id) TO STDOUT"))
        {
            (await reader.ReadToEndAsync()).Should().Be("1\tcustomer 1\n2\tcustomer 2\n3\tcustomer 3\n");
        }

        var act = async () => await connection.BeginTextImportAsync("COPY inbox (body) FROM STDIN");
        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("42501");
    }
}
