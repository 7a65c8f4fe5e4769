using System.Buffers;
using System.Buffers.Binary;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>
/// Reads the 5-byte header (type byte + big-endian length that counts itself) of a regular
/// protocol message, from the first span when it fits and from a stack copy when it straddles segments.
/// </summary>
internal static class MessageFramer
{
    /// <summary>PostgreSQL itself never sends or accepts a message above 1 GB.</summary>
    public const int MaxMessageLength = 0x3fffffff;

    public const int HeaderLength = 5;

    public static FrameStatus TryReadHeader(in ReadOnlySequence<byte> buffer, out byte code, out int length)
    {
        ReadOnlySpan<byte> header;
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderLength)
        {
            header = first;
        }
        else if (buffer.Length >= HeaderLength)
        {
            Span<byte> copy = stackalloc byte[HeaderLength];
            buffer.Slice(0, HeaderLength).CopyTo(copy);
            return Decode(copy, out code, out length);
        }
        else
        {
            code = 0;
            length = 0;
            return FrameStatus.NeedMoreData;
        }

        return Decode(header, out code, out length);
    }

    private static FrameStatus Decode(ReadOnlySpan<byte> header, out byte code, out int length)
    {
        code = header[0];
        length = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        return length is < 4 or > MaxMessageLength ? FrameStatus.InvalidData : FrameStatus.Complete;
    }
}
