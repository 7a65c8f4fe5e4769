using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// The SHA-256 compression function from OpenSSL (<c>SHA256_Transform</c>: one 64-byte block into
/// the eight state words at the start of a <c>SHA256_CTX</c>), the same SHA-NI code .NET's own HMAC
/// ends in, without the EVP layer's per-call provider dispatch, error-queue clearing and context
/// copies, which dominated hashing short values (measured 460 → about 100 ns per short value).
/// Padding and HMAC are done by <see cref="ValueHasher"/>. The function is public ABI since OpenSSL
/// 0.9.8 (deprecated, not removed, in 3.x). Null when the library or symbol is missing or a known
/// answer does not come out: callers then use <see cref="System.Security.Cryptography.IncrementalHash"/>.
/// </summary>
internal sealed unsafe class OpenSslSha256
{
    /// <summary><c>sizeof(SHA256_CTX)</c> (h[8], Nl, Nh, data[16], num, md_len): the state handed over is always this big.</summary>
    public const int ContextSize = 112;

    public const int BlockSize = 64;

    private static readonly string[] LibraryNames = ["libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"];

    private readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, void> transform;

    private OpenSslSha256(nint transform) =>
        this.transform = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, void>)transform;

    /// <summary>The process-wide instance, or null when OpenSSL's SHA-256 block function cannot be used here.</summary>
    public static OpenSslSha256? Instance { get; } = Load();

    /// <summary>SHA-256's initial state words (FIPS 180-4, 5.3.3).</summary>
    public static ReadOnlySpan<uint> InitialState =>
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>Compresses one 64-byte block into the state words at <paramref name="context"/> (a whole <see cref="ContextSize"/> buffer).</summary>
    public void Transform(byte* context, byte* block) => transform(context, block);

    private static OpenSslSha256? Load()
    {
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var library)
                && NativeLibrary.TryGetExport(library, "SHA256_Transform", out var transform))
            {
                var candidate = new OpenSslSha256(transform);
                if (candidate.PassesKnownAnswer())
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>SHA-256("abc") from FIPS 180-2, padded here: proves the symbol, the state layout and the word order.</summary>
    private bool PassesKnownAnswer()
    {
        var context = stackalloc byte[ContextSize];
        var state = new Span<uint>(context, 8);
        InitialState.CopyTo(state);
        var block = stackalloc byte[BlockSize];
        var bytes = new Span<byte>(block, BlockSize);
        bytes.Clear();
        "abc"u8.CopyTo(bytes);
        bytes[3] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[56..], 24);
        Transform(context, block);
        Span<byte> digest = stackalloc byte[32];
        for (var word = 0; word < 8; word++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest[(word * 4)..], state[word]);
        }

        return Convert.ToHexStringLower(digest) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    }
}
