using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Telemetry;
using Npgsql;

namespace ChunkGate.Sidecar.Upstream;

/// <summary>The sidecar's own connections beside the clients' sessions: same role and database, read-only, never pooled.</summary>
internal static class ControlConnectionString
{
    /// <param name="purpose">Shown in <c>pg_stat_activity.application_name</c> (<c>ChunkGate.Sidecar catalog</c>).</param>
    public static string For(SidecarOptions options, UpstreamCredential credential, string purpose) => new NpgsqlConnectionStringBuilder
    {
        Host = options.Upstream.Host,
        Port = options.Upstream.Port,
        Database = options.Upstream.Database,
        Username = credential.Username,
        Password = credential.Password,
        SslMode = options.Upstream.SslMode switch
        {
            UpstreamSslMode.Require => SslMode.Require,
            UpstreamSslMode.VerifyFull => SslMode.VerifyFull,
            _ => SslMode.Disable,
        },
        RootCertificate = options.Upstream.CaFile,
        Pooling = false,
        ApplicationName = SidecarTelemetry.Name + " " + purpose,
        Options = "-c default_transaction_read_only=on",
    }.ConnectionString;
}
