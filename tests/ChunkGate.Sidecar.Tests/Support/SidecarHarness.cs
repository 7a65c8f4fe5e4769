using System.Net;
using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Testing.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>
/// A database with a login role (unique per harness) and a sidecar in this process in front of it.
/// The role can read every raw value: whatever masking the tests observe was done by the sidecar.
/// </summary>
internal sealed class SidecarHarness : IAsyncDisposable
{
    private readonly string directory;
    private SidecarServer? server;

    private SidecarHarness(PostgresServer postgres, string database, string role, string password, string directory)
    {
        Postgres = postgres;
        Database = database;
        Role = role;
        Password = password;
        this.directory = directory;
    }

    public PostgresServer Postgres { get; }

    public string Database { get; }

    public string Role { get; }

    public string Password { get; }

    public string UsernameFile => Path.Combine(directory, "username");

    public string PasswordFile => Path.Combine(directory, "password");

    public IPEndPoint EndPoint => server!.EndPoint;

    public SidecarContext? Context { get; private set; }

    /// <summary>A database and role; <paramref name="setupSql"/> runs as the superuser in that database.</summary>
    public static async Task<SidecarHarness> CreateAsync(string prefix, string setupSql)
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync(prefix);
        var role = ("cg_" + prefix + "_" + Guid.NewGuid().ToString("N")[..10]).ToLowerInvariant();
        var password = Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(postgres.ConnectionStringFor(database)))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT ALL ON DATABASE \"{database}\" TO {role}; GRANT ALL ON SCHEMA public TO {role};" + setupSql
                + $"; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
                admin);
            await command.ExecuteNonQueryAsync();
        }

        var directory = Directory.CreateTempSubdirectory("chunkgate-sidecar-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "username"), role + "\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "password"), password + "\n");
        return new SidecarHarness(postgres, database, role, password, directory);
    }

    public SidecarOptions Options(SessionAction action = SessionAction.Read, DateTimeOffset? expiresAt = null, JsonElement? masking = null, string? recordingPath = null) =>
        new(new IPEndPoint(IPAddress.Loopback, 0),
            new UpstreamOptions(Postgres.Host, Postgres.Port, Database, UpstreamSslMode.Disable, null, false, false),
            UsernameFile,
            PasswordFile,
            expiresAt,
            action,
            masking,
            recordingPath,
            null);

    /// <summary>Starts (or restarts) the sidecar with these options.</summary>
    public async Task StartAsync(SidecarOptions options, TimeProvider? time = null, ISessionFeatureFactory? features = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Context = new SidecarContext(options, time ?? TimeProvider.System, logger ?? NullLogger.Instance, features);
        server = new SidecarServer(Context);
        server.Start();
    }

    /// <summary>A connection string to the sidecar: no password, any user name.</summary>
    public string SidecarConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = EndPoint.Port,
        Username = "job",
        Database = database ?? Database,
        Pooling = false,
        SslMode = SslMode.Disable,
        Timeout = 10,
        CommandTimeout = 30,
    }.ConnectionString;

    public string AdminConnectionString => Postgres.ConnectionStringFor(Database);

    public async Task<NpgsqlConnection> OpenSidecarAsync(string? database = null)
    {
        var connection = new NpgsqlConnection(SidecarConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    public async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        try
        {
            await using var admin = new NpgsqlConnection(Postgres.ConnectionString);
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{Role}' OR datname = '{Database}'; ",
                admin);
            await command.ExecuteNonQueryAsync();
            command.CommandText = $"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)";
            await command.ExecuteNonQueryAsync();
            command.CommandText = $"DROP ROLE IF EXISTS {Role}";
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
