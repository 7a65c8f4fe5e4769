using ChunkGate.Testing.Postgres;
using Npgsql;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>
/// A database of its own on the suite's PostgreSQL and a login role the sidecars use. Tables the
/// tests create (as the superuser) are granted to the role by default privileges, so whatever
/// the runner sees masked, the sidecar masked.
/// </summary>
internal sealed class RunnerDatabase
{
    private RunnerDatabase(PostgresServer server, string name, string role, string directory)
    {
        Server = server;
        Name = name;
        Role = role;
        UsernameFile = Path.Combine(directory, "username");
        PasswordFile = Path.Combine(directory, "password");
    }

    public PostgresServer Server { get; }

    public string Name { get; }

    public string Role { get; }

    public string UsernameFile { get; }

    public string PasswordFile { get; }

    public static async Task<RunnerDatabase> CreateAsync(string directory)
    {
        var server = await PostgresServer.SharedAsync();
        var name = await server.CreateDatabaseAsync("runner");
        var role = "cg_runner_" + Guid.NewGuid().ToString("N")[..10];
        var password = Guid.NewGuid().ToString("N");
        var database = new RunnerDatabase(server, name, role, directory);
        await database.ExecuteAsync($"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            GRANT ALL ON SCHEMA public TO {role};
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
            """);
        await File.WriteAllTextAsync(database.UsernameFile, role + "\n");
        await File.WriteAllTextAsync(database.PasswordFile, password + "\n");
        return database;
    }

    /// <summary>Runs SQL as the superuser in this database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionStringFor(Name));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 120 };
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionStringFor(Name));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DropAsync()
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
        command.CommandText = $"DROP ROLE IF EXISTS {Role}";
        await command.ExecuteNonQueryAsync();
    }
}
