using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>Kind of the untyped packet a client opens a connection with.</summary>
internal enum StartupKind
{
    Startup,
    SslRequest,
    GssEncRequest,
    CancelRequest,
}

/// <summary>
/// The first packet of a connection (no type byte): a StartupMessage, SSLRequest, GSSENCRequest
/// or CancelRequest. Parsed from a complete packet; malformed input yields
/// <see cref="FrameStatus.InvalidData"/> with a reason for the client.
/// </summary>
internal sealed class StartupPacket
{
    /// <summary>PostgreSQL's own limit (MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxLength = 10_000;

    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;
    public const int CancelRequestCode = 80877102;

    private StartupPacket(StartupKind kind)
    {
        Kind = kind;
    }

    public StartupKind Kind { get; }

    /// <summary>Requested protocol version (major &lt;&lt; 16 | minor) for a StartupMessage.</summary>
    public int ProtocolVersion { get; private init; }

    /// <summary>Parameters in the order the client sent them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private init; } = [];

    public int CancelProcessId { get; private init; }

    public int CancelSecretKey { get; private init; }

    public static FrameStatus TryRead(in ReadOnlySequence<byte> buffer, out StartupPacket? packet, out int packetLength, out string? error)
    {
        packet = null;
        error = null;
        packetLength = 0;
        if (buffer.Length < 8)
        {
            return FrameStatus.NeedMoreData;
        }

        Span<byte> head = stackalloc byte[8];
        buffer.Slice(0, 8).CopyTo(head);
        packetLength = BinaryPrimitives.ReadInt32BigEndian(head);
        if (packetLength is < 8 or > MaxLength)
        {
            error = $"invalid startup packet length {packetLength}";
            return FrameStatus.InvalidData;
        }

        if (buffer.Length < packetLength)
        {
            return FrameStatus.NeedMoreData;
        }

        var bytes = buffer.Slice(0, packetLength).ToArray();
        var code = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        switch (code)
        {
            case SslRequestCode when packetLength == 8:
                packet = new StartupPacket(StartupKind.SslRequest);
                return FrameStatus.Complete;
            case GssEncRequestCode when packetLength == 8:
                packet = new StartupPacket(StartupKind.GssEncRequest);
                return FrameStatus.Complete;
            case CancelRequestCode when packetLength == 16:
                packet = new StartupPacket(StartupKind.CancelRequest)
                {
                    CancelProcessId = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)),
                    CancelSecretKey = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)),
                };
                return FrameStatus.Complete;
        }

        if (code >> 16 != 3)
        {
            error = $"unsupported frontend protocol {code >> 16}.{code & 0xffff}: the sidecar speaks 3.0";
            return FrameStatus.InvalidData;
        }

        var parameters = new List<KeyValuePair<string, string>>();
        var rest = bytes.AsSpan(8);
        while (true)
        {
            var nameEnd = rest.IndexOf((byte)0);
            if (nameEnd < 0)
            {
                error = "startup packet parameters are not terminated";
                return FrameStatus.InvalidData;
            }

            if (nameEnd == 0)
            {
                break;
            }

            var name = Encoding.UTF8.GetString(rest[..nameEnd]);
            rest = rest[(nameEnd + 1)..];
            var valueEnd = rest.IndexOf((byte)0);
            if (valueEnd < 0)
            {
                error = $"startup parameter '{name}' has no value";
                return FrameStatus.InvalidData;
            }

            parameters.Add(new(name, Encoding.UTF8.GetString(rest[..valueEnd])));
            rest = rest[(valueEnd + 1)..];
        }

        packet = new StartupPacket(StartupKind.Startup) { ProtocolVersion = code, Parameters = parameters };
        return FrameStatus.Complete;
    }
}
