using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Masking;
using ChunkGate.Testing.Postgres;
using Npgsql;

namespace ChunkGate.Broker.Tests.Support;

/// <summary>
/// A fresh database on the shared test PostgreSQL with a small shop: <c>shop.customers</c> (with
/// raw values the leak tests look for), <c>shop.orders</c>, and tables no credential lists
/// (<c>shop.suppliers</c>, <c>hr.salaries</c>). The admin is the server's superuser.
/// </summary>
internal sealed class BrokerDatabase : IAsyncDisposable
{
    public const string RawSsn = "123-45-6789";
    public const string RawEmail = "alice.secret@example.com";
    public const string RawCard = "4111222233334444";
    public static readonly byte[] HashKey = "0123456789abcdef0123456789abcdef"u8.ToArray();

    public static readonly IReadOnlyList<ColumnMask> Rules =
    [
        new() { Column = "shop.customers.ssn", Strategy = MaskStrategy.Hash },
        new() { Column = "shop.customers.email", Strategy = MaskStrategy.Redact },
        new() { Column = "shop.customers.card", Strategy = MaskStrategy.Last4 },
        new() { Column = "shop.customers.note", Strategy = MaskStrategy.Null },
    ];

    private const string Setup = $"""
        CREATE SCHEMA shop;
        CREATE SCHEMA hr;
        CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, ssn text, email varchar(64), card text, note text);
        INSERT INTO shop.customers VALUES (1, 'Alice', '{RawSsn}', '{RawEmail}', '{RawCard}', 'vip since 2001');
        INSERT INTO shop.customers SELECT g, 'customer ' || g, '900-00-' || lpad(g::text, 4, '0'), 'c' || g || '@example.org', '5500000000000' || lpad(g::text, 3, '0'), NULL
          FROM generate_series(2, 20) g;
        CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL);
        INSERT INTO shop.orders SELECT g, 1 + g % 20, g * 2.5 FROM generate_series(1, 50) g;
        CREATE TABLE shop.suppliers (id int PRIMARY KEY, name text);
        INSERT INTO shop.suppliers VALUES (1, 'Acme');
        CREATE TABLE hr.salaries (id int PRIMARY KEY, amount int);
        INSERT INTO hr.salaries VALUES (1, 100000);
        """;

    private BrokerDatabase(PostgresServer server, string name, NpgsqlDataSource admin)
    {
        Server = server;
        Name = name;
        Admin = admin;
        Broker = new CredentialBroker(admin, TimeProvider.System, database => NpgsqlDataSource.Create(server.ConnectionStringFor(database)));
        Masking = new MaskingLayer(admin);
    }

    public PostgresServer Server { get; }

    public string Name { get; }

    public NpgsqlDataSource Admin { get; }

    public CredentialBroker Broker { get; }

    public MaskingLayer Masking { get; }

    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(Server.ConnectionStringFor(Name)) { Pooling = true }.ConnectionString;

    public static async Task<BrokerDatabase> CreateAsync(bool masked = true)
    {
        var server = await PostgresServer.SharedAsync();
        var name = await server.CreateDatabaseAsync("broker");
        var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(server.ConnectionStringFor(name)) { Pooling = true }.ConnectionString);
        await using (var command = admin.CreateCommand(Setup))
        {
            await command.ExecuteNonQueryAsync();
        }

        var database = new BrokerDatabase(server, name, admin);
        if (masked)
        {
            await database.Masking.ApplyAsync(Rules, HashKey);
        }

        return database;
    }

    public static CredentialRequest Request(JobAction action, params string[] tables) =>
        new(Guid.NewGuid().ToString(), "data-jobs", "nightly", 1, action, tables.Length == 0 ? ["shop.customers", "shop.orders"] : tables, DateTimeOffset.UtcNow.AddMinutes(15));

    public async Task<IssuedCredential> IssueAsync(JobAction action, params string[] tables) => await Broker.IssueAsync(Request(action, tables));

    /// <summary>A connection as the issued role, not pooled (so a revoked role's connection is really gone).</summary>
    public NpgsqlConnection ConnectAs(IssuedCredential credential, int? port = null) => new(new NpgsqlConnectionStringBuilder
    {
        Host = Server.Host,
        Port = port ?? Server.Port,
        Database = Name,
        Username = credential.Role,
        Password = credential.Password,
        Pooling = false,
        Timeout = 5,
    }.ConnectionString);

    public async Task<NpgsqlConnection> OpenAsAsync(IssuedCredential credential)
    {
        var connection = ConnectAs(credential);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Admin.CreateCommand(sql);
        foreach (var (parameter, value) in parameters)
        {
            command.Parameters.AddWithValue(parameter, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull or null ? default : (T)result;
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        // Roles are cluster-wide: drop what this database's tests issued and did not revoke.
        await using var roles = new NpgsqlCommand(
            "SELECT string_agg(format('DROP ROLE IF EXISTS %I', rolname), '; ') FROM pg_roles WHERE rolname LIKE 'chunkgate\\_run\\_%' AND NOT EXISTS (SELECT 1 FROM pg_shdepend d WHERE d.refobjid = pg_roles.oid)",
            connection);
        if (await roles.ExecuteScalarAsync() is string drop)
        {
            await using var command = new NpgsqlCommand(drop, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
