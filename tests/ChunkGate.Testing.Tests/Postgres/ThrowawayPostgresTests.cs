using ChunkGate.Testing.Postgres;
using ChunkGate.Testing.Processes;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Testing.Tests.Postgres;

[Category("PostgreSQL")]
public sealed class ThrowawayPostgresTests
{
    [Test]
    public async Task StartAsync_ServesPostgres15_WithScramPasswordAuthentication()
    {
        var postgres = await ThrowawayPostgres.StartAsync(CancellationToken.None);
        try
        {
            await using var connection = new NpgsqlConnection(postgres.Server.ConnectionString);
            await connection.OpenAsync();
            await using var version = new NpgsqlCommand("SHOW server_version_num", connection);
            var versionNumber = int.Parse((string)(await version.ExecuteScalarAsync())!);
            versionNumber.Should().BeGreaterThanOrEqualTo(150000);

            await using var encryption = new NpgsqlCommand("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = current_user", connection);
            ((bool)(await encryption.ExecuteScalarAsync())!).Should().BeTrue("the superuser password is stored as a SCRAM verifier");

            var wrongPassword = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString) { Password = "wrong" }.ConnectionString;
            await using var rejected = new NpgsqlConnection(wrongPassword);
            var open = async () => await rejected.OpenAsync();
            (await open.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28P01");
        }
        finally
        {
            postgres.Stop();
        }

        Directory.Exists(postgres.DataDirectory).Should().BeFalse("Stop deletes the throwaway cluster");
    }

    [Test]
    public async Task AServer_WhoseTestProcessEndedWithoutStoppingIt_IsStoppedByItsLeash()
    {
        var postgres = await ThrowawayPostgres.StartAsync(CancellationToken.None);
        var pid = Path.Combine(postgres.DataDirectory, "postmaster.pid");
        File.Exists(pid).Should().BeTrue();

        postgres.LetGo();

        await Eventually.TrueAsync(() => !File.Exists(pid) && Leftovers.Mentioning(postgres.DataDirectory).Count == 0,
            "pg_ctl stop ran once the test process's end of the pipe closed, and no process of the server is left", TimeSpan.FromSeconds(60));
        Directory.Delete(Path.GetDirectoryName(postgres.DataDirectory)!, recursive: true);
    }

    [Test]
    public void SweepStale_RemovesOldStoppedClusters_AndKeepsRunningOrRecentOnes()
    {
        var temp = Directory.CreateTempSubdirectory("sweep-").FullName;
        try
        {
            string Cluster(string name, bool running, TimeSpan age)
            {
                var path = Path.Combine(temp, "chunkgate-pg-" + name);
                Directory.CreateDirectory(Path.Combine(path, "data"));
                if (running)
                {
                    File.WriteAllText(Path.Combine(path, "data", "postmaster.pid"), "1\n");
                }

                Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
                return path;
            }

            var oldStopped = Cluster("old", running: false, TimeSpan.FromHours(3));
            var oldRunning = Cluster("live", running: true, TimeSpan.FromHours(3));
            var recent = Cluster("new", running: false, TimeSpan.FromMinutes(1));
            var unrelated = Directory.CreateDirectory(Path.Combine(temp, "other-dir")).FullName;
            Directory.SetLastWriteTimeUtc(unrelated, DateTime.UtcNow - TimeSpan.FromHours(3));

            ThrowawayPostgres.SweepStale(temp, DateTimeOffset.UtcNow).Should().Be(1);
            Directory.Exists(oldStopped).Should().BeFalse();
            Directory.Exists(oldRunning).Should().BeTrue();
            Directory.Exists(recent).Should().BeTrue();
            Directory.Exists(unrelated).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Test]
    public void FromEnvironment_IsNull_WhenPgHostUnset()
    {
        PostgresServer.FromEnvironment(_ => null).Should().BeNull();
    }

    [Test]
    public void FromEnvironment_ReadsStandardVariables()
    {
        var variables = new Dictionary<string, string>
        {
            ["PGHOST"] = "db.example", ["PGPORT"] = "6543", ["PGUSER"] = "u", ["PGPASSWORD"] = "p", ["PGDATABASE"] = "d",
        };
        var server = PostgresServer.FromEnvironment(name => variables.GetValueOrDefault(name))!;
        (server.Host, server.Port, server.User, server.Password, server.Database).Should().Be(("db.example", 6543, "u", "p", "d"));
    }

    [Test]
    public void FromEnvironment_RejectsNonNumericPort()
    {
        var act = () => PostgresServer.FromEnvironment(name => name switch { "PGHOST" => "h", "PGPORT" => "abc", _ => null });
        act.Should().Throw<InvalidOperationException>().WithMessage("*PGPORT*abc*");
    }

    [Test]
    public async Task SharedAsync_CreatesIsolatedDatabases()
    {
        var server = await PostgresServer.SharedAsync();
        var first = await server.CreateDatabaseAsync("fixture");
        var second = await server.CreateDatabaseAsync("fixture");
        first.Should().NotBe(second);

        await using var connection = new NpgsqlConnection(server.ConnectionStringFor(first));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        (await command.ExecuteScalarAsync()).Should().Be(first);
    }
}
