using System.Collections.Concurrent;
using System.Text;
using ChunkGate.Api.Connections;
using ChunkGate.Broker;
using ChunkGate.Broker.Connection;
using ChunkGate.Broker.Credentials;
using ChunkGate.Broker.Masking;
using ChunkGate.Kubernetes.Errors;
using k8s;
using Npgsql;

namespace ChunkGate.Operator.Controller.Connections;

/// <summary>One DataConnection's admin access: the broker, the masking layer and the CA the sidecar needs.</summary>
internal sealed record ConnectionAccess(CredentialBroker Broker, MaskingLayer Masking, string? CaCertificatePem, NpgsqlDataSource DataSource);

/// <summary>
/// The admin connection of each DataConnection, built from its spec and its admin Secret (read from
/// the API, never cached in an informer) and kept while the connection's generation and the Secret's
/// version hold. A connection deleted while runs are live keeps its broker, so they can still be revoked.
/// </summary>
internal sealed class ConnectionBrokers(IKubernetes client, TimeProvider clock) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string Version, ConnectionAccess Access)> held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim building = new(1, 1);

    public IEnumerable<(string Key, ConnectionAccess Access)> Known => held.Select(pair => (pair.Key, pair.Value.Access));

    /// <summary>The broker last built for a connection, even if the connection is gone (revocation must still work).</summary>
    public ConnectionAccess? Last(string namespaceName, string connectionName) =>
        held.TryGetValue($"{namespaceName}/{connectionName}", out var entry) ? entry.Access : null;

    public async Task<ConnectionAccess> ForAsync(string namespaceName, string connectionName, DataConnectionSpec spec, long generation, CancellationToken cancellationToken)
    {
        var key = $"{namespaceName}/{connectionName}";
        var admin = await client.CoreV1.ReadNamespacedSecretAsync(spec.AdminSecretRef.Name, namespaceName, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
        var ca = spec.Endpoint.CaSecretRef is { } caRef
            ? await client.CoreV1.ReadNamespacedSecretAsync(caRef.Name, namespaceName, cancellationToken: cancellationToken).Typed().ConfigureAwait(false)
            : null;
        var version = $"{generation}/{admin.Metadata.ResourceVersion}/{ca?.Metadata.ResourceVersion}";
        if (held.TryGetValue(key, out var entry) && entry.Version == version)
        {
            return entry.Access;
        }

        await building.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (held.TryGetValue(key, out entry) && entry.Version == version)
            {
                return entry.Access;
            }

            var settings = new AdminConnectionSettings(spec.Endpoint.Host, spec.Endpoint.Port, spec.Endpoint.Database,
                Value(admin, spec.AdminSecretRef.UsernameKey, key), Value(admin, spec.AdminSecretRef.PasswordKey, key), spec.Endpoint.SslMode,
                ca?.Data?.TryGetValue("ca.crt", out var pem) == true ? Encoding.UTF8.GetString(pem) : null);
            var dataSource = settings.CreateDataSource();
            var access = new ConnectionAccess(new CredentialBroker(dataSource, clock, database => (settings with { Database = database, MaxPoolSize = 1 }).CreateDataSource()), new MaskingLayer(dataSource), settings.CaCertificatePem, dataSource);
            held[key] = (version, access);
            // The replaced data source may still serve a reconcile in flight; its pool idles out and is collected.
            return access;
        }
        finally
        {
            building.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, access) in held.Values)
        {
            await access.DataSource.DisposeAsync().ConfigureAwait(false);
        }

        held.Clear();
        building.Dispose();
    }

    private static string Value(k8s.Models.V1Secret secret, string key, string connection) =>
        secret.Data?.TryGetValue(key, out var bytes) == true
            ? Encoding.UTF8.GetString(bytes)
            : throw new BrokerException($"the admin Secret {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name} of DataConnection {connection} has no key '{key}'", retryable: false);
}
