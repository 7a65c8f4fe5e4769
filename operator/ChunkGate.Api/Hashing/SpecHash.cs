using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Api.Meta;

namespace ChunkGate.Api.Hashing;

/// <summary>
/// The identity of a job's spec that approvals bind to: <c>sha256:</c> + lower-case hex SHA-256 of
/// the spec's <see cref="CanonicalJson"/> form (UTF-8). Stable across key order, whitespace and
/// escape style; any change of meaning gives a new hash and so voids every approval.
/// It is always computed from the spec JSON as the API server stores it, never from a
/// re-serialisation of the typed spec: a change of client, of C# defaults or of serializer options
/// must never void a stored approval.
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

    /// <summary>Hash of a spec element, e.g. <c>request.object.spec</c> of an admission review.</summary>
    public static string Compute(JsonElement spec) => Compute(JsonNode.Parse(spec.GetRawText()));

    /// <summary>
    /// Hash of the spec the resource was read with (<see cref="CustomResource{TSpec,TStatus}.StoredSpec"/>).
    /// An object built in code has no stored form: there is nothing an approval could have bound to.
    /// </summary>
    public static string Of<TSpec, TStatus>(CustomResource<TSpec, TStatus> resource)
        where TSpec : ResourceSpec, new()
        where TStatus : class =>
        resource.StoredSpecJson is { } stored
            ? Compute(JsonNode.Parse(stored))
            : throw new InvalidOperationException($"{resource.Kind} {resource.Metadata?.Name} was not read from JSON: its spec hash must come from the spec as the API server stores it");
}
