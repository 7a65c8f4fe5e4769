using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Upstream;

/// <summary>TLS towards the database: verify-full against the configured CA, require without checks.</summary>
[Category("PostgreSQL")]
internal sealed class UpstreamTlsTests
{
    private TlsPostgres postgres = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => postgres = await TlsPostgres.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await postgres.DisposeAsync();

    private static string Through(SidecarServer server) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = server.EndPoint.Port,
        Username = "job",
        Database = "postgres",
        Pooling = false,
        SslMode = SslMode.Disable,
    }.ConnectionString;

    [TestCase("localhost")]
    [TestCase("127.0.0.1")]
    public async Task VerifyFull_EncryptsAndAuthenticates_WhenTheServerChainsToTheCa(string host)
    {
        await using var server = postgres.StartSidecar(UpstreamSslMode.VerifyFull, postgres.CaFile, host);
        await using var connection = new NpgsqlConnection(Through(server));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        (await command.ExecuteScalarAsync()).Should().Be(true);
    }

    [Test]
    public async Task VerifyFull_RefusesAServerThatDoesNotChainToTheCa()
    {
        await using var server = postgres.StartSidecar(UpstreamSslMode.VerifyFull, postgres.OtherCaFile);
        await using var connection = new NpgsqlConnection(Through(server));
        var act = async () => await connection.OpenAsync();
        var error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be("08006");
        error.MessageText.Should().Contain("TLS");
    }

    [Test]
    public async Task Require_Encrypts_WithoutCheckingTheCertificate()
    {
        await using var server = postgres.StartSidecar(UpstreamSslMode.Require, null);
        await using var connection = new NpgsqlConnection(Through(server));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        (await command.ExecuteScalarAsync()).Should().Be(true);
    }
}
