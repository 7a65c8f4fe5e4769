using Npgsql;

namespace ChunkGate.Testing.Postgres;

/// <summary>
/// A PostgreSQL server for integration tests: the one named by the standard <c>PG*</c>
/// environment variables when <c>PGHOST</c> is set, otherwise a throwaway PostgreSQL 15
/// cluster started for this test process (see <see cref="ThrowawayPostgres"/>).
/// </summary>
public sealed class PostgresServer
{
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static PostgresServer? shared;

    public PostgresServer(string host, int port, string user, string password, string database)
    {
        Host = host;
        Port = port;
        User = user;
        Password = password;
        Database = database;
    }

    public string Host { get; }
    public int Port { get; }
    /// <summary>A superuser: tests create roles, databases and schemas.</summary>
    public string User { get; }
    public string Password { get; }
    public string Database { get; }

    public string ConnectionString => ConnectionStringFor(Database);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = User,
        Password = Password,
        Database = database,
        Pooling = false,
    }.ConnectionString;

    /// <summary>
    /// The server shared by every test of this process. Started on first use; a throwaway
    /// server is stopped and deleted when the process exits.
    /// </summary>
    public static async Task<PostgresServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (shared is not null)
            {
                return shared;
            }

            var fromEnvironment = FromEnvironment(Environment.GetEnvironmentVariable);
            if (fromEnvironment is not null)
            {
                shared = fromEnvironment;
            }
            else
            {
                var throwaway = await ThrowawayPostgres.StartAsync(CancellationToken.None).ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => throwaway.Stop();
                shared = throwaway.Server;
            }

            return shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    /// <summary>Reads PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE; null when PGHOST is unset.</summary>
    public static PostgresServer? FromEnvironment(Func<string, string?> variable)
    {
        var host = variable("PGHOST");
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var portText = variable("PGPORT");
        var port = 5432;
        if (!string.IsNullOrWhiteSpace(portText) && !int.TryParse(portText, out port))
        {
            throw new InvalidOperationException($"PGPORT must be a number, got '{portText}'.");
        }

        return new PostgresServer(
            host,
            port,
            variable("PGUSER") ?? "postgres",
            variable("PGPASSWORD") ?? string.Empty,
            variable("PGDATABASE") ?? "postgres");
    }

    /// <summary>
    /// Creates a fresh, uniquely named database so tests never see each other's tables.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return name;
    }
}
