using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Keyed HMAC-SHA256 (RFC 2104) for the <c>hash</c> strategy. The key's inner and outer pad blocks
/// are hashed once; each value then costs two SHA-256 blocks through <see cref="OpenSslSha256"/>,
/// about a third of the platform HMAC's cost per short value, which dominated masked reads. Falls
/// back to the platform's <see cref="IncrementalHash"/> when OpenSSL's SHA-256 functions are not
/// usable. Holds one running state, so it is not thread-safe: one instance per connection.
/// </summary>
internal sealed unsafe class ValueHasher : IDisposable
{
    public const int HashLength = 32;

    private const int BlockSize = 64;
    private const int Size = OpenSslSha256.ContextSize;

    private readonly OpenSslSha256? sha;

    /// <summary>Pinned: inner pad state, outer pad state, running state. Key material: zeroed on dispose.</summary>
    private readonly byte[]? states;
    private readonly IncrementalHash? fallback;
    private bool running;

    public ValueHasher(ReadOnlySpan<byte> key)
        : this(key, OpenSslSha256.Instance)
    {
    }

    /// <summary>Tests pass a null <paramref name="sha"/> to exercise the fallback.</summary>
    internal ValueHasher(ReadOnlySpan<byte> key, OpenSslSha256? sha)
    {
        this.sha = sha;
        if (sha is null)
        {
            fallback = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.ToArray());
            return;
        }

        states = GC.AllocateArray<byte>(3 * Size, pinned: true);
        Span<byte> block = stackalloc byte[BlockSize];
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        fixed (byte* state = states)
        {
            Pad(state, block, 0x36);
            Pad(state + Size, block, 0x5c);
        }

        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>True when hashing goes through OpenSSL's SHA-256 functions directly.</summary>
    public bool IsNative => sha is not null;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (fallback is not null)
        {
            fallback.AppendData(data);
            return;
        }

        fixed (byte* state = states)
        {
            Start(state);
            sha!.Update(state + (2 * Size), data);
        }
    }

    /// <summary>Finishes the HMAC of everything appended since the last call and starts over.</summary>
    public void Finish(Span<byte> destination)
    {
        if (fallback is not null)
        {
            fallback.TryGetHashAndReset(destination[..HashLength], out _);
            return;
        }

        fixed (byte* state = states)
        {
            Start(state);
            var work = state + (2 * Size);
            Span<byte> inner = stackalloc byte[HashLength];
            sha!.Final(work, inner);
            new ReadOnlySpan<byte>(state + Size, Size).CopyTo(new Span<byte>(work, Size));
            sha.Update(work, inner);
            sha.Final(work, destination);
            running = false;
        }
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
        fallback?.Dispose();
        if (states is not null)
        {
            CryptographicOperations.ZeroMemory(states);
        }
    }

    private void Pad(byte* state, ReadOnlySpan<byte> key, byte pad)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        for (var index = 0; index < BlockSize; index++)
        {
            block[index] = (byte)(key[index] ^ pad);
        }

        sha!.Init(state);
        sha.Update(state, block);
        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>Begins a value from the inner pad state unless one is already running.</summary>
    private void Start(byte* state)
    {
        if (!running)
        {
            new ReadOnlySpan<byte>(state, Size).CopyTo(new Span<byte>(state + (2 * Size), Size));
            running = true;
        }
    }
}
