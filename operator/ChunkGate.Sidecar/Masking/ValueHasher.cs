using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Keyed HMAC-SHA256 for the <c>hash</c> strategy. Reuses one keyed HMAC state from the platform
/// crypto library (no allocation per value), so it is not thread-safe: one instance per connection
/// (each <see cref="ResultMasker"/> owns one). A managed implementation from precomputed pad states
/// was tried and measured no faster on this hardware, so the vetted library stays.
/// </summary>
internal sealed class ValueHasher(ReadOnlySpan<byte> key) : IDisposable
{
    public const int HashLength = 32;

    private readonly IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.ToArray());

    public void Append(ReadOnlySpan<byte> data) => hmac.AppendData(data);

    /// <summary>Finishes the HMAC of everything appended since the last call and starts over.</summary>
    public void Finish(Span<byte> destination)
    {
        hmac.TryGetHashAndReset(destination[..HashLength], out _);
    }

    public void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        hmac.AppendData(data);
        Finish(destination);
    }

    /// <summary>The first 8 bytes of the HMAC of <paramref name="data"/> as a non-negative number.</summary>
    public long HashToInt64(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        Hash(data, hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash) & long.MaxValue;
    }

    public void Dispose() => hmac.Dispose();
}
