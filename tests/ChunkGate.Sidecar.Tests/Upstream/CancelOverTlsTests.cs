using System.Diagnostics;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Upstream;

/// <summary>A client's cancel reaches a database that only speaks TLS: the sidecar's CancelRequest goes over TLS too.</summary>
[Category("PostgreSQL")]
internal sealed class CancelOverTlsTests
{
    private TlsPostgres postgres = null!;
    private TlsOnlyRelay relay = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        postgres = await TlsPostgres.StartAsync(tlsOnly: true);
        relay = new TlsOnlyRelay(postgres.Port);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await relay.DisposeAsync();
        await postgres.DisposeAsync();
    }

    [TestCase(UpstreamSslMode.VerifyFull)]
    [TestCase(UpstreamSslMode.Require)]
    public async Task ClientCancel_EndsASleepWith57014_WhenTheDatabaseOnlyAcceptsTls(UpstreamSslMode mode)
    {
        await using var server = postgres.StartSidecar(mode, mode == UpstreamSslMode.VerifyFull ? postgres.CaFile : null, port: relay.Port);
        var plaintextBefore = relay.PlaintextAttempts;

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = server.EndPoint.Port,
            Username = "job",
            Database = "postgres",
            Pooling = false,
            SslMode = SslMode.Disable,
            CommandTimeout = 60,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var clock = Stopwatch.StartNew();
        var running = command.ExecuteNonQueryAsync();
        await using (var observer = new NpgsqlConnection(connection.ConnectionString))
        {
            await observer.OpenAsync();
            await ActiveQueries.WaitUntilRunningAsync(observer, "SELECT pg_sleep(30)");
        }

        command.Cancel();

        var act = async () => await running;
        // Npgsql reports a cancel it asked for as OperationCanceledException around the server's error.
        var error = (await act.Should().ThrowAsync<OperationCanceledException>()).Which.InnerException.Should().BeOfType<PostgresException>().Subject;
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        error.SqlState.Should().Be("57014");
        relay.PlaintextAttempts.Should().Be(plaintextBefore, "every connection to the database, the cancel included, must start with SSLRequest");

        // The session is still usable after the cancel.
        await using var after = new NpgsqlCommand("SELECT 1", connection);
        (await after.ExecuteScalarAsync()).Should().Be(1);
    }
}
