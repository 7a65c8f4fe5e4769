using System.Security.Cryptography;
using System.Text;
using ChunkGate.Api.Connections;
using ChunkGate.Broker;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Connections;

/// <summary>A connection's masking key, the uid of the Secret that holds it, and whether the connection's live status says the views were built with it.</summary>
internal sealed record MaskingKey(string Uid, byte[] Key, bool Applied);

/// <summary>
/// Each DataConnection's masking key: random, made by the operator, kept in a Secret in the
/// operator's own namespace (job-namespace users can neither plant nor delete it there) under a
/// name derived from the connection's namespace, name and uid. The database's masking views
/// (rule 6a) and every run's sidecar (6b) hash with it, so a hashed value is the same in both
/// layers. The connection's status records the uid of the key Secret the views were built with
/// (status only the operator writes): a run gets that key and no other, and a key Secret the
/// status does not name is never used: it is replaced, and the views are rebuilt with the new key.
/// </summary>
/// <remarks>
/// Replaced rather than adopted: a Secret the status does not name is either the operator's own,
/// made just before a crash and never applied to the views, or someone else's. Neither is the key
/// the views hash with, so the only safe key is a fresh one, applied to the views before any run
/// gets it. A key lost for good (its Secret deleted) is replaced the same way: hashed values change
/// from then on (joins across runs before and after the replacement no longer match), said in a
/// Warning on the connection.
/// </remarks>
internal sealed class MaskingKeys(ControllerClients clients, string operatorNamespace)
{
    public const string Key = "key";
    public const string ConnectionAnnotation = "chunkgate.io/connection";
    public const string ConnectionUidAnnotation = "chunkgate.io/connection-uid";

    /// <summary>Marks every key Secret of one connection name (a hash: a label value has at most 63 characters).</summary>
    public const string ConnectionLabel = "chunkgate.io/masking-key-of";

    public string Namespace => operatorNamespace;

    /// <summary>
    /// Raised with a connection's cache key when a run finds no key the views were built with (its
    /// Secret deleted or replaced): nothing watches the operator's namespace, so the connection's
    /// reconcile is asked for here, and replaces the key.
    /// </summary>
    public event Action<string>? Stale;

    public static string SecretName(string connectionNamespace, string connectionName, string connectionUid) =>
        "chunkgate-masking-" + Digest($"{connectionNamespace}/{connectionName}/{connectionUid}")[..32];

    public static string ConnectionLabelValue(string connectionNamespace, string connectionName) => Digest($"{connectionNamespace}/{connectionName}")[..40];

    /// <summary>
    /// The connection's key: the Secret its live status names, or else a new one (any other Secret
    /// under the name deleted first). <see cref="MaskingKey.Uid"/> differs from the status's when the
    /// views must be rebuilt with it before the status may name it.
    /// </summary>
    public async Task<MaskingKey> EnsureAsync(DataConnection connection, CancellationToken cancellationToken)
    {
        var name = SecretName(connection.Metadata.NamespaceProperty, connection.Metadata.Name, connection.Metadata.Uid);
        var existing = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            var recorded = connection.Status?.MaskingKeyUid;
            if (recorded != existing.Metadata.Uid)
            {
                // The cache may not show yet the uid just recorded: judged on the live status.
                var live = await clients.Connections.TryGetAsync(connection.Metadata.NamespaceProperty, connection.Metadata.Name, cancellationToken).ConfigureAwait(false);
                recorded = live?.Status?.MaskingKeyUid;
            }

            if (recorded == existing.Metadata.Uid && Usable(existing) is { } key)
            {
                return new MaskingKey(existing.Metadata.Uid, key, Applied: true);
            }

            try
            {
                await clients.Kubernetes.CoreV1.DeleteNamespacedSecretAsync(name, operatorNamespace,
                    new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = existing.Metadata.Uid } }, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
            }
        }

        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Immutable = true,
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = operatorNamespace,
                Labels = new Dictionary<string, string>
                {
                    [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
                    [ConnectionLabel] = ConnectionLabelValue(connection.Metadata.NamespaceProperty, connection.Metadata.Name),
                },
                Annotations = new Dictionary<string, string>
                {
                    [ConnectionAnnotation] = $"{connection.Metadata.NamespaceProperty}/{connection.Metadata.Name}",
                    [ConnectionUidAnnotation] = connection.Metadata.Uid,
                },
            },
            Data = new Dictionary<string, byte[]> { [Key] = RandomNumberGenerator.GetBytes(32) },
        };
        try
        {
            var created = await clients.Kubernetes.CoreV1.CreateNamespacedSecretAsync(secret, operatorNamespace, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
            return new MaskingKey(created.Metadata.Uid, created.Data[Key], Applied: false);
        }
        catch (AlreadyExistsException)
        {
            throw new BrokerException($"the masking key Secret {operatorNamespace}/{name} of DataConnection {connection.Metadata.NamespaceProperty}/{connection.Metadata.Name} was created by someone else meanwhile; it is judged again", retryable: true);
        }
    }

    /// <summary>
    /// The key a run's sidecar gets: only the one the connection's status says the views were built
    /// with (never created here). Retryable while the connection's reconcile has not applied it yet.
    /// </summary>
    public async Task<byte[]> ForRunAsync(DataConnection connection, CancellationToken cancellationToken)
    {
        var name = SecretName(connection.Metadata.NamespaceProperty, connection.Metadata.Name, connection.Metadata.Uid);
        var recorded = connection.Status?.MaskingKeyUid;
        var secret = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        if (recorded is null || secret is null || secret.Metadata.Uid != recorded || Usable(secret) is not { } key)
        {
            Stale?.Invoke(ChunkGate.Kubernetes.Informers.CacheKeys.For(connection));
            throw new BrokerException(
                $"the masking key of DataConnection {connection.Metadata.NamespaceProperty}/{connection.Metadata.Name} is not the one its masking views were built with (its Secret {operatorNamespace}/{name} is missing or not the one the connection's status names); the run waits until the connection has rebuilt them with a new key",
                retryable: true);
        }

        return key;
    }

    /// <summary>Deletes every key Secret of a connection name that no longer exists.</summary>
    public async Task RemoveAsync(string connectionNamespace, string connectionName, CancellationToken cancellationToken)
    {
        var secrets = await clients.Kubernetes.CoreV1.ListNamespacedSecretAsync(operatorNamespace,
            labelSelector: $"{ConnectionLabel}={ConnectionLabelValue(connectionNamespace, connectionName)}", cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
        foreach (var secret in secrets?.Items ?? [])
        {
            try
            {
                await clients.Kubernetes.CoreV1.DeleteNamespacedSecretAsync(secret.Metadata.Name, operatorNamespace,
                    new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid } }, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
            }
        }
    }

    private Task<V1Secret?> ReadAsync(string name, CancellationToken cancellationToken) =>
        clients.Kubernetes.CoreV1.ReadNamespacedSecretAsync(name, operatorNamespace, cancellationToken: cancellationToken).OrNull();

    private static byte[]? Usable(V1Secret secret) => secret.Data?.TryGetValue(Key, out var key) == true && key.Length >= 16 ? key : null;

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
