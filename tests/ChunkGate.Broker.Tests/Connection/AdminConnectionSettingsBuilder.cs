using ChunkGate.Broker.Connection;
using Npgsql;

namespace ChunkGate.Broker.Tests.Connection;

/// <summary>Admin settings pointing at a port nobody listens on.</summary>
internal sealed class AdminConnectionSettingsBuilder(int port)
{
    public NpgsqlDataSource Build() =>
        new AdminConnectionSettings("127.0.0.1", port, "postgres", "admin", "secret-admin-password", ChunkGate.Api.Connections.SslMode.Disable)
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }.CreateDataSource();
}
