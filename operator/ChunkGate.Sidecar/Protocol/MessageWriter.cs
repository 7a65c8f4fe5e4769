using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>
/// Builds one protocol message into an <see cref="IBufferWriter{T}"/>: reserve the header, append
/// fields, then <see cref="Complete"/> patches the length. Used for the few messages the sidecar
/// itself originates (startup, authentication, errors), never per row.
/// </summary>
internal ref struct MessageWriter
{
    private readonly IBufferWriter<byte> output;
    private readonly ArrayBufferWriter<byte> body;
    private readonly byte code;

    /// <param name="code">The type byte, or 0 for an untyped startup-phase packet.</param>
    public MessageWriter(IBufferWriter<byte> output, byte code)
    {
        this.output = output;
        this.code = code;
        body = new ArrayBufferWriter<byte>(64);
    }

    public void Byte(byte value) => body.Write([value]);

    public void Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(body.GetSpan(2), value);
        body.Advance(2);
    }

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(body.GetSpan(4), value);
        body.Advance(4);
    }

    public void Bytes(ReadOnlySpan<byte> value) => body.Write(value);

    public void CString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, body.GetSpan(count));
        body.Advance(count);
        Byte(0);
    }

    public void CString(ReadOnlySpan<byte> value)
    {
        Bytes(value);
        Byte(0);
    }

    public readonly void Complete()
    {
        var headerLength = code == 0 ? 4 : 5;
        var span = output.GetSpan(headerLength + body.WrittenCount);
        var offset = 0;
        if (code != 0)
        {
            span[0] = code;
            offset = 1;
        }

        BinaryPrimitives.WriteInt32BigEndian(span[offset..], body.WrittenCount + 4);
        body.WrittenSpan.CopyTo(span[(offset + 4)..]);
        output.Advance(headerLength + body.WrittenCount);
    }
}
