using System.Buffers;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>The server-side messages the sidecar writes to its client itself.</summary>
internal static class BackendMessages
{
    public static void ErrorResponse(IBufferWriter<byte> output, ErrorSeverity severity, string sqlState, string message, string? detail = null)
    {
        var writer = new MessageWriter(output, (byte)BackendCode.ErrorResponse);
        var severityText = severity == ErrorSeverity.Fatal ? "FATAL" : "ERROR";
        writer.Byte((byte)'S');
        writer.CString(severityText);
        writer.Byte((byte)'V');
        writer.CString(severityText);
        writer.Byte((byte)'C');
        writer.CString(sqlState);
        writer.Byte((byte)'M');
        writer.CString(message);
        if (detail is not null)
        {
            writer.Byte((byte)'D');
            writer.CString(detail);
        }

        writer.Byte(0);
        writer.Complete();
    }

    public static void AuthenticationOk(IBufferWriter<byte> output)
    {
        var writer = new MessageWriter(output, (byte)BackendCode.Authentication);
        writer.Int32(0);
        writer.Complete();
    }

    public static void BackendKeyData(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var writer = new MessageWriter(output, (byte)BackendCode.BackendKeyData);
        writer.Int32(processId);
        writer.Int32(secretKey);
        writer.Complete();
    }

    public static void NegotiateProtocolVersion(IBufferWriter<byte> output, int newestMinor, IReadOnlyList<string> unrecognizedOptions)
    {
        var writer = new MessageWriter(output, (byte)BackendCode.NegotiateProtocolVersion);
        writer.Int32(newestMinor);
        writer.Int32(unrecognizedOptions.Count);
        foreach (var option in unrecognizedOptions)
        {
            writer.CString(option);
        }

        writer.Complete();
    }
}
