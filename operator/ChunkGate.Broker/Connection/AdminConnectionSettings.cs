using System.Security.Cryptography.X509Certificates;
using Npgsql;
using SslMode = ChunkGate.Api.Connections.SslMode;

namespace ChunkGate.Broker.Connection;

/// <summary>
/// The admin connection of one DataConnection: its endpoint, the admin credential read from its
/// Secret, and TLS. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record AdminConnectionSettings(
    string Host,
    int Port,
    string Database,
    string Username,
    string Password,
    SslMode SslMode,
    string? CaCertificatePem = null)
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxPoolSize { get; init; } = 8;

    /// <summary>
    /// A pooled data source. verify-full checks the server certificate against the given CA (and
    /// the host name); without a CA it uses the system trust store.
    /// </summary>
    public NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = Username,
            Password = Password,
            Pooling = true,
            MaxPoolSize = MaxPoolSize,
            Timeout = (int)Math.Ceiling(ConnectTimeout.TotalSeconds),
            CommandTimeout = (int)Math.Ceiling(CommandTimeout.TotalSeconds),
            ApplicationName = "chunkgate-broker",
            SslMode = SslMode switch
            {
                SslMode.Disable => Npgsql.SslMode.Disable,
                SslMode.Require => Npgsql.SslMode.Require,
                _ => Npgsql.SslMode.VerifyFull,
            },
        }.ConnectionString);
        if (SslMode == SslMode.VerifyFull && CaCertificatePem is not null)
        {
            builder.UseRootCertificate(X509Certificate2.CreateFromPem(CaCertificatePem));
        }

        return builder.Build();
    }

    public override string ToString() => $"{Username}@{Host}:{Port}/{Database} (ssl {SslMode})";
}
