using System.Security.Cryptography;

namespace ChunkGate.Broker.Masking;

/// <summary>
/// HMAC's two key blocks (RFC 2104: the key, hashed when longer than a block, zero-padded to 64
/// bytes, XOR 0x36 and XOR 0x5c). The database keeps these rather than the key: with them
/// <c>sha256(outer || sha256(inner || message))</c> is the HMAC, built from PostgreSQL's own sha256.
/// </summary>
internal static class HashKey
{
    private const int BlockSize = 64;

    public static (byte[] Inner, byte[] Outer) Pads(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new BrokerException("the masking hash key must be at least 16 bytes", retryable: false);
        }

        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        if (key.Length > BlockSize)
        {
            SHA256.HashData(key, block);
        }
        else
        {
            key.CopyTo(block);
        }

        var inner = new byte[BlockSize];
        var outer = new byte[BlockSize];
        for (var index = 0; index < BlockSize; index++)
        {
            inner[index] = (byte)(block[index] ^ 0x36);
            outer[index] = (byte)(block[index] ^ 0x5c);
        }

        CryptographicOperations.ZeroMemory(block);
        return (inner, outer);
    }
}
