using System.Security.Cryptography;
using ChunkGate.Api;
using ChunkGate.Api.Connections;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runs;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Connections;

/// <summary>
/// Each DataConnection's masking key: random, made once by the operator, kept in a Secret the
/// connection owns. The database's masking views (rule 6a) and every run's sidecar (6b) hash with
/// it, so a hashed value is the same in both layers and joins still work.
/// </summary>
internal sealed class MaskingKeys(IKubernetes client)
{
    public const string Key = "key";
    public const string ConnectionLabel = "chunkgate.io/connection";

    public static string SecretName(string connectionName) => $"{connectionName}-chunkgate-masking";

    /// <summary>The key, read live (a run's Secret is never built from a stale one), created on first use; a concurrent creator's key wins.</summary>
    public async Task<byte[]> EnsureAsync(DataConnection connection, CancellationToken cancellationToken)
    {
        var ns = connection.Metadata.NamespaceProperty;
        var name = SecretName(connection.Metadata.Name);
        var existing = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
        if (existing is not null)
        {
            return Extract(existing);
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
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [RunLabels.ManagedBy] = RunLabels.ManagedByValue, [ConnectionLabel] = connection.Metadata.Name },
                OwnerReferences = [new V1OwnerReference { ApiVersion = ApiGroup.ApiVersion, Kind = "DataConnection", Name = connection.Metadata.Name, Uid = connection.Metadata.Uid, Controller = true }],
            },
            Data = new Dictionary<string, byte[]> { [Key] = RandomNumberGenerator.GetBytes(32) },
        };
        try
        {
            return Extract(await client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken).Typed().ConfigureAwait(false));
        }
        catch (AlreadyExistsException)
        {
            return Extract(await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).Typed().ConfigureAwait(false));
        }
    }

    private static byte[] Extract(V1Secret secret) =>
        secret.Data?.TryGetValue(Key, out var key) == true && key.Length >= 16
            ? key
            : throw new InvalidOperationException($"the masking key Secret {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name} has no usable '{Key}'");
}
