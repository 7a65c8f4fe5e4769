using System.Buffers;
using System.Buffers.Binary;
using ChunkGate.Sidecar.Protocol;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// ParameterStatus under masking (issue 11, hole 3): <c>set_config('application_name', col, false)</c>
/// made the server report a masked value straight to the client. Only the parameters a driver
/// needs to speak the protocol and format values pass (their values through the detectors; the
/// server validates each against a fixed grammar); every other one, application_name and
/// extension settings included, is dropped: a client is not owed them.
/// </summary>
internal static class ParameterStatusFilter
{
    private static readonly string[] Forwarded =
    [
        "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby", "integer_datetimes",
        "IntervalStyle", "is_superuser", "scram_iterations", "server_encoding", "server_version",
        "session_authorization", "standard_conforming_strings", "TimeZone",
    ];

    /// <summary>Writes the message when it is forwarded; returns values masked, 0 when dropped, or <see cref="ResultMasker.Malformed"/>.</summary>
    public static int Write(in ReadOnlySequence<byte> message, IBufferWriter<byte> output, DetectorKinds detectors)
    {
        var whole = message.ToArray();
        var body = whole.AsSpan(MessageFramer.HeaderLength);
        var nameEnd = body.IndexOf((byte)0);
        if (nameEnd < 0 || body.Length < nameEnd + 2 || body[^1] != 0)
        {
            return ResultMasker.Malformed;
        }

        if (!IsForwarded(body[..nameEnd]))
        {
            return 0;
        }

        var masked = ValueDetectors.MaskInPlace(body[(nameEnd + 1)..^1], detectors);
        output.Write(whole);
        return masked;
    }

    private static bool IsForwarded(ReadOnlySpan<byte> name)
    {
        foreach (var candidate in Forwarded)
        {
            if (name.Length == candidate.Length && System.Text.Ascii.Equals(name, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
