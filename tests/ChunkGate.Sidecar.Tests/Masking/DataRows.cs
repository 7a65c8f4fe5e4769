using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>Builds and reads DataRow bodies/messages for the masking tests.</summary>
internal static class DataRows
{
    public static byte[] Body(params byte[]?[] values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var header = buffer.GetSpan(2);
        BinaryPrimitives.WriteInt16BigEndian(header, (short)values.Length);
        buffer.Advance(2);
        foreach (var value in values)
        {
            var length = buffer.GetSpan(4);
            BinaryPrimitives.WriteInt32BigEndian(length, value?.Length ?? -1);
            buffer.Advance(4);
            if (value is not null)
            {
                buffer.Write(value);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    /// <summary>Parses a complete DataRow message back into values (null for NULL).</summary>
    public static byte[]?[] Values(ReadOnlySpan<byte> message)
    {
        if (message[0] != (byte)'D')
        {
            throw new FormatException("not a DataRow");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(message[1..]);
        if (length != message.Length - 1)
        {
            throw new FormatException($"length field {length} but message body is {message.Length - 1}");
        }

        var count = BinaryPrimitives.ReadInt16BigEndian(message[5..]);
        var values = new byte[]?[count];
        var position = 7;
        for (var index = 0; index < count; index++)
        {
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(message[position..]);
            position += 4;
            if (valueLength >= 0)
            {
                values[index] = message.Slice(position, valueLength).ToArray();
                position += valueLength;
            }
        }

        if (position != message.Length)
        {
            throw new FormatException("trailing bytes");
        }

        return values;
    }

    public static string? AsText(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);
}
