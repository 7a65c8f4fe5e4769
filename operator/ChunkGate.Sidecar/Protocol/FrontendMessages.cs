using System.Buffers;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>The client-side messages the sidecar writes to the upstream server itself.</summary>
internal static class FrontendMessages
{
    public const int ProtocolVersion30 = 3 << 16;

    public static void Startup(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var writer = new MessageWriter(output, 0);
        writer.Int32(ProtocolVersion30);
        foreach (var (name, value) in parameters)
        {
            writer.CString(name);
            writer.CString(value);
        }

        writer.Byte(0);
        writer.Complete();
    }

    public static void SslRequest(IBufferWriter<byte> output)
    {
        var writer = new MessageWriter(output, 0);
        writer.Int32(StartupPacket.SslRequestCode);
        writer.Complete();
    }

    public static void CancelRequest(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var writer = new MessageWriter(output, 0);
        writer.Int32(StartupPacket.CancelRequestCode);
        writer.Int32(processId);
        writer.Int32(secretKey);
        writer.Complete();
    }

    public static void SaslInitialResponse(IBufferWriter<byte> output, string mechanism, ReadOnlySpan<byte> data)
    {
        var writer = new MessageWriter(output, (byte)FrontendCode.Password);
        writer.CString(mechanism);
        writer.Int32(data.Length);
        writer.Bytes(data);
        writer.Complete();
    }

    /// <summary>SASLResponse has no framing beyond the message itself.</summary>
    public static void SaslResponse(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        var writer = new MessageWriter(output, (byte)FrontendCode.Password);
        writer.Bytes(data);
        writer.Complete();
    }

    public static void PasswordMessage(IBufferWriter<byte> output, string password)
    {
        var writer = new MessageWriter(output, (byte)FrontendCode.Password);
        writer.CString(password);
        writer.Complete();
    }

    public static void Terminate(IBufferWriter<byte> output)
    {
        var writer = new MessageWriter(output, (byte)FrontendCode.Terminate);
        writer.Complete();
    }
}
