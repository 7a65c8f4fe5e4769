using System.Security.Cryptography;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>Both backends: OpenSSL's SHA-256 functions (the normal path) and the platform HMAC fallback.</summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed class ValueHasherTests(bool native)
{
    private ValueHasher Create(ReadOnlySpan<byte> key) => native ? new ValueHasher(key) : new ValueHasher(key, sha: null);

    [Test]
    public void Backend_IsTheOneUnderTest()
    {
        // The fast path must really be taken where OpenSSL is present (every Linux .NET uses it):
        // a silent fallback would quietly triple the cost of hashed columns.
        using var hasher = Create("key"u8);

        hasher.IsNative.Should().Be(native);
    }

    [Test]
    public void Finish_WithNothingAppended_IsTheHmacOfEmpty()
    {
        var key = "empty-message-key"u8.ToArray();
        using var hasher = Create(key);
        var actual = new byte[32];

        hasher.Finish(actual);

        actual.Should().Equal(HMACSHA256.HashData(key, Array.Empty<byte>()));
    }

    [Test]
    public void Hash_OfALargeValue_EqualsHmacSha256()
    {
        var key = "chunked-key"u8.ToArray();
        var data = new byte[(3 * 16 * 1024) + 17];
        new Random(11).NextBytes(data);
        using var hasher = Create(key);
        var actual = new byte[32];

        hasher.Hash(data, actual);

        actual.Should().Equal(HMACSHA256.HashData(key, data));
    }

    [TestCase(16)]
    [TestCase(32)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(200)]
    public void Hash_EqualsHmacSha256_ForEveryMessageLength(int keyLength)
    {
        var random = new Random(keyLength);
        var key = new byte[keyLength];
        random.NextBytes(key);
        using var hasher = Create(key);
        var actual = new byte[32];

        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            hasher.Hash(data, actual);
            actual.Should().Equal(HMACSHA256.HashData(key, data), $"message of {length} bytes");
        }
    }

    [Test]
    public void Append_InPieces_EqualsOneShot()
    {
        var key = "streaming-key-streaming-key"u8.ToArray();
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        using var hasher = Create(key);
        var pieces = new byte[32];

        foreach (var size in new[] { 1, 3, 63, 64, 65, 500 })
        {
            for (var offset = 0; offset < data.Length; offset += size)
            {
                hasher.Append(data.AsSpan(offset, Math.Min(size, data.Length - offset)));
            }

            hasher.Finish(pieces);
            pieces.Should().Equal(HMACSHA256.HashData(key, data), $"pieces of {size}");
        }
    }

    [Test]
    public void Hash_MatchesRfc4231TestCase2()
    {
        using var hasher = Create("Jefe"u8);
        var actual = new byte[32];

        hasher.Hash("what do ya want for nothing?"u8, actual);

        Convert.ToHexStringLower(actual).Should().Be("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
