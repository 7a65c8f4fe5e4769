using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Telemetry;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Receives what the server answered, for the recording (counts only, never values).</summary>
internal interface IResultObserver
{
    void RowDescribed(in ReadOnlySequence<byte> rowDescription);

    void CommandCompleted(in ReadOnlySequence<byte> commandComplete, long rows, long bytes, long maskedValues);

    void ErrorReturned(in ReadOnlySequence<byte> maskedError);

    /// <summary>EmptyQueryResponse or PortalSuspended: an execution ended without CommandComplete.</summary>
    void ExecutionEnded(BackendCode code, long rows, long bytes, long maskedValues)
    {
    }

    void ReadyForQuery()
    {
    }
}

/// <summary>
/// Database → client. Every message is framed; those masking does not need to see are copied
/// straight through (large ones streamed, so memory stays bounded whatever the row size), the
/// others are rewritten by the <see cref="IResultFilter"/>. At the deadline, the next message
/// boundary gets a FATAL "approval expired" instead of more data.
/// </summary>
internal sealed class ServerToClientPump(
    PipeReader upstream,
    PipeWriter client,
    int maxInspectedMessage,
    IResultFilter? filter,
    ResponseTracker? tracker,
    IResultObserver? observer,
    SessionSignals signals,
    BufferReservation reservation,
    SessionAction action)
{
    private long passRemaining;
    private bool rowsNeedRewrite;
    private bool copyNeedsRewrite;
    private long rows;
    private long bytes;
    private long maskedValues;
    private long totalRows;
    private long totalBytes;
    private long totalMasked;
    private (byte Code, long Length) waitingForBudget;

    public string? Error { get; private set; }

    /// <summary>True while part of a streamed message has been sent, so nothing can be injected before it ends.</summary>
    public bool MidMessage => passRemaining > 0;

    public async Task<PumpOutcome> RunAsync()
    {
        CancellationTokenSource? finishing = null;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await upstream.ReadAsync(finishing?.Token ?? CancellationToken.None).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    return PumpOutcome.Closed;
                }
                catch (OperationCanceledException) when (finishing is not null)
                {
                    // The rest of the message never came: close without the FATAL.
                    return PumpOutcome.Expired;
                }

                if (result.IsCanceled)
                {
                    if (signals.Expired && MidMessage)
                    {
                        finishing ??= new CancellationTokenSource(ApprovalDeadline.EndingGrace);
                        continue;
                    }

                    return signals.Expired ? PumpOutcome.Expired : PumpOutcome.Stopped;
                }

                var buffer = result.Buffer;
                var outcome = Process(ref buffer);
                upstream.AdvanceTo(buffer.Start, reservation.MustRevisit ? buffer.Start : result.Buffer.End);
                FlushResult flush;
                try
                {
                    flush = await client.FlushAsync().ConfigureAwait(false);
                }
                catch (IOException)
                {
                    return PumpOutcome.Closed;
                }

                if (outcome is null && signals.Expired && MidMessage && !result.IsCompleted)
                {
                    // Expired while a message is half forwarded: finish it, then stop at its end.
                    finishing ??= new CancellationTokenSource(ApprovalDeadline.EndingGrace);
                    continue;
                }

                if (PumpStep.AfterFlush(outcome, flush, result, signals.Expired) is { } stop)
                {
                    return stop;
                }

                if (reservation.MustRevisit && !await reservation.SettleAsync().ConfigureAwait(false))
                {
                    Error = BufferBudgetError(reservation, waitingForBudget.Code, waitingForBudget.Length, "from the database");
                    return PumpOutcome.OutOfBufferBudget;
                }
            }
        }
        finally
        {
            reservation.Dispose();
            finishing?.Dispose();
            SidecarTelemetry.Rows.Add(totalRows + rows);
            SidecarTelemetry.BytesToClient.Add(totalBytes + bytes);
            SidecarTelemetry.MaskedValues.Add(totalMasked + maskedValues);
        }
    }

    private PumpOutcome? Process(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (passRemaining > 0)
            {
                var take = Math.Min(passRemaining, buffer.Length);
                if (take == 0)
                {
                    return null;
                }

                ClientToServerPump.Copy(buffer.Slice(0, take), client);
                buffer = buffer.Slice(take);
                passRemaining -= take;
                continue;
            }

            if (signals.Expired)
            {
                return PumpOutcome.Expired;
            }

            if (rowsNeedRewrite || copyNeedsRewrite)
            {
                var consumed = MaskRowsInFirstSpan(buffer.FirstSpan, out var failed);
                if (failed != 0)
                {
                    Error = $"a '{(char)failed}' message from the database could not be masked (it does not match its description)";
                    return PumpOutcome.ProtocolViolation;
                }

                if (consumed > 0)
                {
                    buffer = buffer.Slice(consumed);
                    continue;
                }
            }

            var status = MessageFramer.TryReadHeader(buffer, out var code, out var length);
            if (status == FrameStatus.NeedMoreData)
            {
                return null;
            }

            if (status == FrameStatus.InvalidData)
            {
                Error = "malformed message from the database";
                return PumpOutcome.ProtocolViolation;
            }

            var total = length + 1L;
            bytes += total;
            if (!MustInspect(code))
            {
                if (total <= ClientToServerPump.StreamingThreshold && buffer.Length < total)
                {
                    // Small messages are forwarded whole, so an "approval expired" can always follow a complete one.
                    bytes -= total;
                    return null;
                }

                if (code == (byte)BackendCode.DataRow)
                {
                    rows++;
                }

                passRemaining = total;
                continue;
            }

            if (total > maxInspectedMessage)
            {
                Error = $"a '{(char)code}' message of {total} bytes from the database exceeds the sidecar's limit of {maxInspectedMessage} for messages it must inspect";
                return PumpOutcome.MessageTooLarge;
            }

            // Held while buffered: the message in the pipe and its rewrite in the output until the
            // flush; what is not a DataRow is also copied contiguous once (ResultMasker, error masking).
            if (!reservation.Covers(total, code == (byte)BackendCode.DataRow ? 2 * total : 3 * total))
            {
                waitingForBudget = (code, total);
                bytes -= total;
                return null;
            }

            if (buffer.Length < total)
            {
                bytes -= total;
                return null;
            }

            if (!Handle(code, buffer.Slice(0, total)))
            {
                // Fail closed: a row that cannot be masked is never sent as it is.
                Error ??= $"a '{(char)code}' message from the database could not be masked (it does not match its description)";
                return PumpOutcome.ProtocolViolation;
            }

            if (total > BufferReservation.Unbudgeted)
            {
                reservation.Consumed();
            }

            buffer = buffer.Slice(total);
        }
    }

    /// <summary>The 53200 text: names the setting, so whoever runs the job knows what to raise.</summary>
    internal static string BufferBudgetError(BufferReservation reservation, byte code, long length, string from) =>
        $"the ChunkGate sidecar's buffer budget (limits.maxBufferedBytes = {reservation.Capacity} bytes, shared by all sessions) had no room for the {reservation.Refused} bytes needed to inspect a '{(char)code}' message of {length} bytes {from}; retry when fewer large results run at once, or raise limits.maxBufferedBytes";

    /// <summary>
    /// Masks the whole rows (DataRow, or CopyData of a masked COPY) at the start of
    /// <paramref name="span"/> straight from it: a large masked read is mostly rows lying whole in
    /// one segment, and slicing the sequence per row cost more than masking some of them. Stops at
    /// the first other message, a partial or unusual row (the general path frames and judges those),
    /// or the deadline. Returns the bytes consumed; <paramref name="failed"/> is the code of a row
    /// that could not be masked, else 0.
    /// </summary>
    private int MaskRowsInFirstSpan(ReadOnlySpan<byte> span, out byte failed)
    {
        failed = 0;
        var consumed = 0;
        while (span.Length - consumed > MessageFramer.HeaderLength && !signals.Expired)
        {
            var code = span[consumed];
            if (!(code == (byte)BackendCode.DataRow ? rowsNeedRewrite : code == (byte)BackendCode.CopyData && copyNeedsRewrite))
            {
                break;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(span[(consumed + 1)..]);
            var total = length + 1L;
            if (length < 4 || total > maxInspectedMessage || total > BufferReservation.Unbudgeted || span.Length - consumed < total)
            {
                break;
            }

            var message = span.Slice(consumed, (int)total);
            var masked = code == (byte)BackendCode.DataRow ? filter!.WriteDataRow(message, client) : filter!.WriteCopyData(message, client);
            if (masked < 0)
            {
                failed = code;
                break;
            }

            rows++;
            bytes += total;
            maskedValues += masked;
            consumed += (int)total;
        }

        return consumed;
    }

    private bool MustInspect(byte code) => (BackendCode)code switch
    {
        BackendCode.DataRow => rowsNeedRewrite,
        BackendCode.CopyData => copyNeedsRewrite,

        // Any message that can carry a value goes through masking (issue 11, hole 3).
        // ParameterStatus is rare and always judged (ServerSettingGuard), masking or not.
        BackendCode.ParameterStatus => true,
        BackendCode.FunctionCallResponse => filter is not null,
        BackendCode.RowDescription or BackendCode.NoData or BackendCode.ReadyForQuery or BackendCode.ErrorResponse
            or BackendCode.NoticeResponse or BackendCode.NotificationResponse or BackendCode.CopyOutResponse
            or BackendCode.CommandComplete or BackendCode.EmptyQueryResponse or BackendCode.PortalSuspended => filter is not null || observer is not null,
        _ => false,
    };

    private string? SettingBreach(in ReadOnlySequence<byte> message)
    {
        var body = message.Slice(MessageFramer.HeaderLength).ToArray();
        var nameEnd = Array.IndexOf(body, (byte)0);
        if (nameEnd < 0 || body.Length < nameEnd + 2 || body[^1] != 0)
        {
            return "malformed ParameterStatus from the database";
        }

        return ServerSettingGuard.Judge(action, Encoding.UTF8.GetString(body, 0, nameEnd), Encoding.UTF8.GetString(body, nameEnd + 1, body.Length - nameEnd - 2));
    }

    /// <summary>Forwards or rewrites one whole message; false when masking could not process it.</summary>
    private bool Handle(byte code, ReadOnlySequence<byte> message)
    {
        int masked;
        switch ((BackendCode)code)
        {
            case BackendCode.DataRow:
                rows++;
                masked = filter!.WriteDataRow(message, client);
                maskedValues += masked;
                return masked >= 0;
            case BackendCode.CopyData:
                rows++;
                masked = filter!.WriteCopyData(message, client);
                maskedValues += masked;
                return masked >= 0;
            case BackendCode.RowDescription:
            {
                rowsNeedRewrite = filter is not null && filter.OnRowDescription(message);
                observer?.RowDescribed(message);
                if (tracker is not null && tracker.DescribeAnswered())
                {
                    return true;
                }

                break;
            }

            case BackendCode.NoData:
                rowsNeedRewrite = false;
                if (tracker is not null && tracker.DescribeAnswered())
                {
                    return true;
                }

                break;
            case BackendCode.ReadyForQuery:
                rowsNeedRewrite = false;
                copyNeedsRewrite = false;
                tracker?.ReadyForQueryAnswered();
                observer?.ReadyForQuery();
                break;
            case BackendCode.EmptyQueryResponse:
            case BackendCode.PortalSuspended:
                observer?.ExecutionEnded((BackendCode)code, rows, bytes, maskedValues);
                Roll();
                break;
            case BackendCode.ParameterStatus:
                if (SettingBreach(message) is { } breach)
                {
                    Error = breach;
                    return false;
                }

                if (filter is null)
                {
                    break;
                }

                masked = filter.WriteParameterStatus(message, client);
                maskedValues += Math.Max(masked, 0);
                return masked >= 0;
            case BackendCode.FunctionCallResponse:
                // The fast-path call is refused client-side; a result that arrives anyway has no description to mask by.
                return false;
            case BackendCode.CopyOutResponse:
                copyNeedsRewrite = filter is not null && filter.OnCopyOut(message);
                break;
            case BackendCode.CommandComplete:
                copyNeedsRewrite = false;
                observer?.CommandCompleted(message, rows, bytes, maskedValues);
                Roll();
                break;
            case BackendCode.ErrorResponse:
            case BackendCode.NoticeResponse:
            case BackendCode.NotificationResponse:
                if (filter is not null)
                {
                    if (code == (byte)BackendCode.ErrorResponse && observer is not null)
                    {
                        var rewritten = new ArrayBufferWriter<byte>((int)message.Length + 64);
                        masked = filter.WriteErrorOrNotice(message, rewritten);
                        if (masked < 0)
                        {
                            return false;
                        }

                        maskedValues += masked;
                        observer.ErrorReturned(new ReadOnlySequence<byte>(rewritten.WrittenMemory));
                        client.Write(rewritten.WrittenSpan);
                        Roll();
                        return true;
                    }

                    masked = filter.WriteErrorOrNotice(message, client);
                    maskedValues += Math.Max(masked, 0);
                    return masked >= 0;
                }

                if (code == (byte)BackendCode.ErrorResponse)
                {
                    observer?.ErrorReturned(message);
                    Roll();
                }

                break;
        }

        ClientToServerPump.Copy(message, client);
        return true;
    }

    private void Roll()
    {
        totalRows += rows;
        totalBytes += bytes;
        totalMasked += maskedValues;
        rows = 0;
        bytes = 0;
        maskedValues = 0;
    }
}
