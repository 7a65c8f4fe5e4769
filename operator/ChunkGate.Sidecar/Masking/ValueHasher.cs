using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Keyed HMAC-SHA256 (RFC 2104) for the <c>hash</c> strategy, computed in managed code from the
/// key's precomputed inner and outer pad states: a short value costs two SHA-256 compressions and
/// no call into the crypto library, about three times faster than <see cref="HMACSHA256"/> per
/// value on the data path. Verified against <see cref="HMACSHA256"/> by the tests. Holds mutable
/// state, so it is not thread-safe: one instance per connection (each <see cref="ResultMasker"/>
/// owns one).
/// </summary>
internal sealed class ValueHasher : IDisposable
{
    public const int HashLength = 32;

    private const int BlockLength = 64;

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private static readonly uint[] InitialState =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    private readonly uint[] innerStart = new uint[8];
    private readonly uint[] outerStart = new uint[8];
    private readonly uint[] state = new uint[8];
    private readonly uint[] schedule = new uint[64];
    private readonly byte[] block = new byte[BlockLength];
    private int blockFill;
    private long totalLength;

    public ValueHasher(ReadOnlySpan<byte> key)
    {
        // Keys longer than a block are hashed first (RFC 2104).
        Span<byte> paddedKey = stackalloc byte[BlockLength];
        paddedKey.Clear();
        if (key.Length > BlockLength)
        {
            SHA256.HashData(key, paddedKey);
        }
        else
        {
            key.CopyTo(paddedKey);
        }

        Span<byte> pad = stackalloc byte[BlockLength];
        for (var index = 0; index < BlockLength; index++)
        {
            pad[index] = (byte)(paddedKey[index] ^ 0x36);
        }

        InitialState.CopyTo(innerStart, 0);
        Compress(innerStart, pad);
        for (var index = 0; index < BlockLength; index++)
        {
            pad[index] = (byte)(paddedKey[index] ^ 0x5c);
        }

        InitialState.CopyTo(outerStart, 0);
        Compress(outerStart, pad);
        CryptographicOperations.ZeroMemory(paddedKey);
        CryptographicOperations.ZeroMemory(pad);
        Reset();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        totalLength += data.Length;
        if (blockFill > 0)
        {
            var take = Math.Min(BlockLength - blockFill, data.Length);
            data[..take].CopyTo(block.AsSpan(blockFill));
            blockFill += take;
            data = data[take..];
            if (blockFill < BlockLength)
            {
                return;
            }

            Compress(state, block);
            blockFill = 0;
        }

        while (data.Length >= BlockLength)
        {
            Compress(state, data[..BlockLength]);
            data = data[BlockLength..];
        }

        data.CopyTo(block);
        blockFill = data.Length;
    }

    /// <summary>Finishes the HMAC of everything appended since the last call and starts over.</summary>
    public void Finish(Span<byte> destination)
    {
        Span<byte> innerHash = stackalloc byte[HashLength];
        FinishInto(state, block, blockFill, BlockLength + totalLength, innerHash);

        outerStart.CopyTo(state, 0);
        innerHash.CopyTo(block);
        FinishInto(state, block, HashLength, BlockLength + HashLength, destination);
        Reset();
    }

    public void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Append(data);
        Finish(destination);
    }

    /// <summary>The first 8 bytes of the HMAC of <paramref name="data"/> as a non-negative number.</summary>
    public long HashToInt64(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        Hash(data, hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash) & long.MaxValue;
    }

    public void Dispose()
    {
        Array.Clear(innerStart);
        Array.Clear(outerStart);
        Array.Clear(state);
        Array.Clear(block);
    }

    private void Reset()
    {
        innerStart.CopyTo(state, 0);
        blockFill = 0;
        totalLength = 0;
    }

    /// <summary>SHA-256 padding of the last partial block, then the digest into <paramref name="destination"/>.</summary>
    private void FinishInto(uint[] hashState, byte[] lastBlock, int fill, long messageLength, Span<byte> destination)
    {
        lastBlock[fill++] = 0x80;
        if (fill > BlockLength - 8)
        {
            lastBlock.AsSpan(fill).Clear();
            Compress(hashState, lastBlock);
            fill = 0;
        }

        lastBlock.AsSpan(fill, BlockLength - 8 - fill).Clear();
        BinaryPrimitives.WriteInt64BigEndian(lastBlock.AsSpan(BlockLength - 8), messageLength * 8);
        Compress(hashState, lastBlock);
        for (var index = 0; index < 8; index++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(index * 4)..], hashState[index]);
        }
    }

    private void Compress(uint[] hashState, ReadOnlySpan<byte> data)
    {
        var w = schedule;
        for (var index = 0; index < 16; index++)
        {
            w[index] = BinaryPrimitives.ReadUInt32BigEndian(data[(index * 4)..]);
        }

        for (var index = 16; index < 64; index++)
        {
            var s0 = BitOperations.RotateRight(w[index - 15], 7) ^ BitOperations.RotateRight(w[index - 15], 18) ^ (w[index - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[index - 2], 17) ^ BitOperations.RotateRight(w[index - 2], 19) ^ (w[index - 2] >> 10);
            w[index] = w[index - 16] + s0 + w[index - 7] + s1;
        }

        uint a = hashState[0], b = hashState[1], c = hashState[2], d = hashState[3];
        uint e = hashState[4], f = hashState[5], g = hashState[6], h = hashState[7];
        var k = RoundConstants;
        for (var index = 0; index < 64; index++)
        {
            var t1 = h + Sigma1(e) + ((e & f) ^ (~e & g)) + k[index] + w[index];
            var t2 = Sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        hashState[0] += a;
        hashState[1] += b;
        hashState[2] += c;
        hashState[3] += d;
        hashState[4] += e;
        hashState[5] += f;
        hashState[6] += g;
        hashState[7] += h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma0(uint x) => BitOperations.RotateRight(x, 2) ^ BitOperations.RotateRight(x, 13) ^ BitOperations.RotateRight(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma1(uint x) => BitOperations.RotateRight(x, 6) ^ BitOperations.RotateRight(x, 11) ^ BitOperations.RotateRight(x, 25);
}
