using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Api.Hashing;

/// <summary>
/// The identity of a job's spec that approvals bind to: <c>sha256:</c> + lower-case hex SHA-256 of
/// the spec's <see cref="CanonicalJson"/> form (UTF-8). Stable across key order, whitespace and
/// escape style; any change of meaning gives a new hash and so voids every approval.
/// </summary>
public static class SpecHash
{
    public const string Prefix = "sha256:";
    public const string Pattern = "^sha256:[0-9a-f]{64}$";

    public static string Compute(JsonNode? spec)
    {
        var canonical = CanonicalJson.Write(spec);
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Hash of spec JSON text as the API server stores it.</summary>
    public static string Compute(string specJson) => Compute(JsonNode.Parse(specJson));

    /// <summary>Hash of a typed spec, through the same serializer options the operator writes with.</summary>
    public static string Compute<TSpec>(TSpec spec) => Compute(JsonSerializer.SerializeToNode(spec, KubernetesJson.Options));
}
