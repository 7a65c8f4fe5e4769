using System.Buffers;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// What the server-to-client side asks of masking. Every method receives one whole message
/// (type byte and length included) and writes exactly one whole message to the output.
/// </summary>
internal interface IResultFilter
{
    /// <summary>A RowDescription arrived; returns whether the rows that follow must go through <see cref="WriteDataRow"/>.</summary>
    bool OnRowDescription(in ReadOnlySequence<byte> message);

    /// <summary>Rewrites one DataRow; returns how many values were masked.</summary>
    int WriteDataRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output);

    /// <summary>Rewrites one DataRow held in one contiguous span (the common case of a large read).</summary>
    int WriteDataRow(ReadOnlySpan<byte> message, IBufferWriter<byte> output);

    /// <summary>Rewrites an ErrorResponse, NoticeResponse or NotificationResponse so no masked value is echoed.</summary>
    int WriteErrorOrNotice(in ReadOnlySequence<byte> message, IBufferWriter<byte> output);

    /// <summary>Forwards a ParameterStatus the client needs (values through the detectors) and drops the others; returns values masked.</summary>
    int WriteParameterStatus(in ReadOnlySequence<byte> message, IBufferWriter<byte> output);

    /// <summary>A CopyOutResponse arrived; returns whether the CopyData that follow must go through <see cref="WriteCopyData"/>.</summary>
    bool OnCopyOut(in ReadOnlySequence<byte> message);

    /// <summary>Rewrites one CopyData row of a COPY TO.</summary>
    int WriteCopyData(in ReadOnlySequence<byte> message, IBufferWriter<byte> output);

    /// <summary>Rewrites one CopyData row held in one contiguous span (the common case of a large COPY).</summary>
    int WriteCopyData(ReadOnlySpan<byte> message, IBufferWriter<byte> output);
}
