using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Integration;

/// <summary>psql (simple protocol, SSLRequest first with sslmode=prefer, COPY) and pgbench (simple, extended, prepared).</summary>
[Category("PostgreSQL")]
internal sealed class CommandLineClientTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("cli", ProxyTestData.Setup);
        var admin = new NpgsqlConnectionStringBuilder(harness.AdminConnectionString);
        var init = await ProcessRunner.RunAsync("pgbench", ["-i", "-s", "1", "-q", "-h", admin.Host!, "-p", admin.Port.ToString(), "-U", admin.Username!, harness.Database],
            stdin: null, timeout: TimeSpan.FromSeconds(90), environment: ("PGPASSWORD", admin.Password!));
        init.ExitCode.Should().Be(0, init.Error);
        await using var connection = await harness.OpenAdminAsync();
        await using var grant = new NpgsqlCommand($"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {harness.Role}", connection);
        await grant.ExecuteNonQueryAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    private string[] Psql(params string[] arguments) =>
        ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", $"host=127.0.0.1 port={harness.EndPoint.Port} dbname={harness.Database} user=job sslmode=prefer", .. arguments];

    [Test]
    public async Task Psql_RunsMultiStatementQueries_AfterItsSslRequestIsRefused()
    {
        await harness.StartAsync(harness.Options(SessionAction.Read));
        var (exit, output, error) = await ProcessRunner.RunAsync("psql", Psql("-c", "SELECT count(*) FROM customers; SELECT name FROM customers WHERE id = 9"));
        exit.Should().Be(0, error);
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("200", "customer 9");
    }

    [Test]
    public async Task Psql_ExportsWithCopyToStdout_WhenTheActionIsExport()
    {
        await harness.StartAsync(harness.Options(SessionAction.Export));
        var (exit, output, error) = await ProcessRunner.RunAsync("psql", Psql("-c", "COPY (SELECT id, name FROM customers ORDER BY id) TO STDOUT WITH (FORMAT csv)"));
        exit.Should().Be(0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(200);
        lines[0].Should().Be("1,customer 1");
    }

    [Test]
    public async Task Psql_ImportsWithCopyFromStdin_WhenTheActionIsWrite()
    {
        await harness.StartAsync(harness.Options(SessionAction.Write));
        var (exit, _, error) = await ProcessRunner.RunAsync("psql", Psql("-c", "COPY inbox (body) FROM STDIN"), stdin: "one\ntwo\n\\.\n");
        exit.Should().Be(0, error);
        await using var connection = await harness.OpenAdminAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM inbox WHERE body IN ('one', 'two')", connection);
        (await count.ExecuteScalarAsync()).Should().Be(2L);
        await using var cleanup = new NpgsqlCommand("DELETE FROM inbox", connection);
        await cleanup.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task Psql_ShowsTheRefusal_WhenAReadSessionWrites()
    {
        await harness.StartAsync(harness.Options(SessionAction.Read));
        var (exit, _, error) = await ProcessRunner.RunAsync("psql", Psql("-c", "DELETE FROM inbox"));
        exit.Should().NotBe(0);
        error.Should().Contain("ChunkGate sidecar refused the statement");
    }

    [TestCase("simple")]
    [TestCase("extended")]
    [TestCase("prepared")]
    public async Task Pgbench_SelectOnly_CompletesEveryTransaction(string mode)
    {
        await harness.StartAsync(harness.Options(SessionAction.Read));
        var (exit, output, error) = await ProcessRunner.RunAsync("pgbench",
            ["-n", "-S", "-M", mode, "-c", "4", "-j", "2", "-t", "200", "-h", "127.0.0.1", "-p", harness.EndPoint.Port.ToString(), "-U", "job", harness.Database]);
        exit.Should().Be(0, error);
        output.Should().Contain("number of transactions actually processed: 800/800");
    }
}
