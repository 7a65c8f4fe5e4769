using System.Net;
using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Testing.Postgres;
using ChunkGate.Testing.Processes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>Which sidecar a <see cref="SidecarHarness"/> puts in front of its database.</summary>
public enum SidecarBuild
{
    /// <summary>A <see cref="SidecarServer"/> in the test process (the IL build: fake clocks, features and loggers reach it).</summary>
    InProcess,

    /// <summary>The executable the sidecar image runs (native in Release), serving a configuration file written from the options.</summary>
    Shipped,
}

/// <summary>
/// A database with a login role (unique per harness) and a sidecar in front of it, in this process
/// or as shipped (<see cref="SidecarBuild"/>). The role can read every raw value: whatever masking
/// the tests observe was done by the sidecar.
/// </summary>
internal sealed class SidecarHarness : IAsyncDisposable
{
    private readonly string directory;
    private readonly SidecarBuild build;
    private SidecarServer? server;
    private ShippedSidecar? shipped;

    private SidecarHarness(PostgresServer postgres, string database, string role, string password, string directory, SidecarBuild build)
    {
        Postgres = postgres;
        Database = database;
        Role = role;
        Password = password;
        this.directory = directory;
        this.build = build;
    }

    public PostgresServer Postgres { get; }

    public string Database { get; }

    public string Role { get; }

    public string Password { get; }

    public string UsernameFile => Path.Combine(directory, "username");

    public string PasswordFile => Path.Combine(directory, "password");

    public IPEndPoint EndPoint => shipped is not null ? new IPEndPoint(IPAddress.Loopback, shipped.Port) : server!.EndPoint;

    public SidecarContext? Context { get; private set; }

    /// <summary>A database and role; <paramref name="setupSql"/> runs as the superuser in that database.</summary>
    public static async Task<SidecarHarness> CreateAsync(string prefix, string setupSql, SidecarBuild build = SidecarBuild.InProcess)
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
        return new SidecarHarness(postgres, database, role, password, directory, build);
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

    /// <summary>
    /// Starts (or restarts) the sidecar with these options. Stopping the one before flushes its
    /// recording. A shipped sidecar builds its session features from its configuration, as
    /// <c>serve</c> does, so <paramref name="features"/> must be what that builds; a clock or a
    /// logger cannot reach another process.
    /// </summary>
    public async Task StartAsync(SidecarOptions options, TimeProvider? time = null, ISessionFeatureFactory? features = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        if (shipped is not null)
        {
            await shipped.StopAsync();
            shipped.Dispose();
            shipped = null;
        }

        if (build == SidecarBuild.Shipped)
        {
            if (time is not null || logger is not null)
            {
                throw new InvalidOperationException("a clock or a logger cannot reach the shipped sidecar: run this test in process");
            }

            var port = FreePorts.Take(1)[0];
            var path = Path.Combine(directory, $"sidecar-{port}.json");
            await File.WriteAllTextAsync(path, ShippedConfiguration(options, port));
            shipped = await ShippedSidecar.StartAsync(path, port);
            return;
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

    /// <summary>The <c>serve</c> configuration file for <paramref name="options"/> (those a configuration can state), listening on <paramref name="port"/>.</summary>
    private static string ShippedConfiguration(SidecarOptions options, int port)
    {
        var defaults = new SidecarOptions(options.Listen, options.Upstream, "", "", null, SessionAction.Read, null, null, null);
        if (options.Upstream.SslMode != UpstreamSslMode.Disable || options.OtlpEndpoint is not null
            || options.BufferWait != defaults.BufferWait || options.StartupTimeout.TotalSeconds % 1 != 0)
        {
            throw new NotSupportedException("these options cannot be written to the shipped sidecar's configuration: run this test in process");
        }

        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["listen"] = $"127.0.0.1:{port}",
            ["upstream"] = new { host = options.Upstream.Host, port = options.Upstream.Port, database = options.Upstream.Database, sslMode = "disable" },
            ["credential"] = new { usernameFile = options.UsernameFile, passwordFile = options.PasswordFile },
            // serve requires an expiry; a test without one means "not in this test".
            ["expiresAt"] = (options.ExpiresAt ?? DateTimeOffset.UtcNow.AddHours(2)).ToString("O"),
            ["action"] = options.Action.ToString().ToLowerInvariant(),
            ["masking"] = options.Masking,
            ["recording"] = options.RecordingPath is null ? null : new { path = options.RecordingPath },
            ["limits"] = new
            {
                maxClientConnections = options.MaxClientConnections,
                startupTimeoutSeconds = (int)options.StartupTimeout.TotalSeconds,
                maxInspectedMessageBytes = options.MaxInspectedMessageBytes,
                maxBufferedBytes = options.MaxBufferedBytes,
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        shipped?.Dispose();

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
