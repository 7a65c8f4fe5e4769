using System.Buffers;
using System.IO.Pipelines;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>A whole typed message copied out of a pipe, for the startup phase only (not the data path).</summary>
internal readonly record struct OwnedMessage(byte Code, byte[] Body)
{
    /// <summary>The message as it travels on the wire (type byte, length, body).</summary>
    public byte[] ToWire()
    {
        var wire = new byte[Body.Length + MessageFramer.HeaderLength];
        wire[0] = Code;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(wire.AsSpan(1), Body.Length + 4);
        Body.CopyTo(wire, MessageFramer.HeaderLength);
        return wire;
    }
}

/// <summary>Reads whole messages during startup and authentication, where a few allocations do not matter.</summary>
internal static class StartupMessageReader
{
    public const int MaxStartupPhaseMessage = 1024 * 1024;

    /// <summary>The next message, or null with a reason when the peer closed or sent garbage.</summary>
    public static async ValueTask<(OwnedMessage? Message, string? Error)> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = MessageFramer.TryReadHeader(buffer, out var code, out var length);
            if (status == FrameStatus.InvalidData || (status == FrameStatus.Complete && length > MaxStartupPhaseMessage))
            {
                reader.AdvanceTo(buffer.Start);
                return (null, "malformed message during startup");
            }

            if (status == FrameStatus.Complete && buffer.Length >= length + 1)
            {
                var body = buffer.Slice(MessageFramer.HeaderLength, length - 4).ToArray();
                reader.AdvanceTo(buffer.GetPosition(length + 1));
                return (new OwnedMessage(code, body), null);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                return (null, "connection closed during startup");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
