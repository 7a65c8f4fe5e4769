using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Telemetry;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// Receives, in the order they go to the server, what the server will answer: each statement
/// execution and each Sync. Answers come back in the same order, which is how the other direction
/// attributes them.
/// </summary>
internal interface IStatementObserver
{
    /// <summary>A simple Query (the whole string, one or several statements) or a refused fast-path call; answered up to its ReadyForQuery.</summary>
    void StatementSent(ReadOnlySpan<byte> sql, bool extendedProtocol, bool refused);

    /// <summary>An Execute: the text of the statement its portal runs (null when unknown) and the shapes of the portal's Bind parameters.</summary>
    void Executing(string? text, ParameterShape[] parameters, bool refused);

    /// <summary>A Sync: ends an extended-protocol pipeline; after an error the server skips everything up to here.</summary>
    void Synced();

    /// <summary>Completes when the session may read more from its client: the recording keeps up (it never drops a statement).</summary>
    ValueTask RoomAsync();
}

/// <summary>
/// Prepares masking of a <c>COPY … TO STDOUT</c> before it reaches the server (COPY sends no
/// RowDescription, so its columns must be described first); refuses it when that is impossible.
/// </summary>
internal interface ICopyGate
{
    /// <summary>
    /// Describes the COPY of <paramref name="judgment"/>; the plan belongs to the very next
    /// <see cref="IStatementObserver.StatementSent"/> (this COPY's Query) and dies with its answer.
    /// </summary>
    Task<GuardrailRefusal?> PrepareCopyAsync(StatementJudgment judgment, CancellationToken cancellationToken);
}

/// <summary>
/// Client → database. Messages pass through as they arrive (streamed, whatever their size),
/// except statement texts (Query, Parse, FunctionCall), which are checked whole against the
/// action's guardrails; a refused one is replaced by a statement that raises the refusal on
/// the server, so answers stay in protocol order and the transaction state stays the server's.
/// When masking needs the columns of every result, a Describe of the portal is added before an
/// Execute the client did not describe itself. Bind is read as it streams past (names, format
/// codes, parameter lengths; values skipped, never kept) so each Execute is reported to the
/// <see cref="IStatementObserver"/> with its statement's text and its parameters' shapes;
/// a malformed Bind ends the session.
/// </summary>
internal sealed class ClientToServerPump(
    PipeReader client,
    PipeWriter upstream,
    SessionAction action,
    int maxInspectedMessage,
    ResponseTracker? tracker,
    IStatementObserver? observer,
    SessionSignals signals,
    BufferReservation reservation,
    ICopyGate? copyGate = null)
{
    private static readonly GuardrailRefusal CopyNeedsSimpleProtocol = new(
        ActionGuardrails.PrivilegeState, "ChunkGate sidecar refused the statement: with masking on, COPY TO STDOUT must be sent as a simple query, alone");

    /// <summary>Messages above this size are streamed through in pieces instead of buffered whole.</summary>
    public const int StreamingThreshold = 8 * 1024;

    private readonly BindReader bind = new(maxInspectedMessage);
    private readonly PreparedStatements? prepared = observer is null ? null : new PreparedStatements();
    private long passRemaining;
    private int bindHeaderRemaining = -1;
    private byte[] describedPortal = new byte[64];
    private int describedPortalLength = -1;
    private StatementJudgment? copyAwaitingDecision;
    private bool copyDecided;
    private GuardrailRefusal? copyDecision;
    private (byte Code, long Length) waitingForBudget;

    public string? Error { get; private set; }

    /// <summary>The client ended the session with Terminate (rather than just closing its socket).</summary>
    public bool Terminated { get; private set; }

    public async Task<PumpOutcome> RunAsync()
    {
        try
        {
            return await PumpAsync().ConfigureAwait(false);
        }
        finally
        {
            reservation.Dispose();
        }
    }

    private async Task<PumpOutcome> PumpAsync()
    {
        while (true)
        {
            if (observer is not null)
            {
                await observer.RoomAsync().ConfigureAwait(false);
            }

            ReadResult result;
            try
            {
                result = await client.ReadAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                return PumpOutcome.Closed;
            }

            if (result.IsCanceled)
            {
                return signals.Expired ? PumpOutcome.Expired : PumpOutcome.Stopped;
            }

            var buffer = result.Buffer;
            var outcome = Process(ref buffer);
            if (copyAwaitingDecision is { } copy)
            {
                // Leave the COPY unconsumed and unexamined: the next read returns it at once, decided.
                client.AdvanceTo(buffer.Start);
                await upstream.FlushAsync().ConfigureAwait(false);
                copyDecision = await copyGate!.PrepareCopyAsync(copy, CancellationToken.None).ConfigureAwait(false);
                copyDecided = true;
                copyAwaitingDecision = null;
                continue;
            }

            client.AdvanceTo(buffer.Start, reservation.MustRevisit ? buffer.Start : result.Buffer.End);
            FlushResult flush;
            try
            {
                flush = await upstream.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                return PumpOutcome.Closed;
            }

            if (PumpStep.AfterFlush(outcome, flush, result, signals.Expired) is { } stop)
            {
                return stop;
            }

            if (reservation.MustRevisit && !await reservation.SettleAsync().ConfigureAwait(false))
            {
                Error = ServerToClientPump.BufferBudgetError(reservation, waitingForBudget.Code, waitingForBudget.Length, "from the client");
                return PumpOutcome.OutOfBufferBudget;
            }
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

                var piece = buffer.Slice(0, take);
                if (bindHeaderRemaining >= 0 && ReadBind(piece, last: take == passRemaining) == FrameStatus.InvalidData)
                {
                    // Nothing of a small Bind has been forwarded yet; of a streamed one, only whole values may have been.
                    Error = $"malformed Bind message from the client: {bind.Problem}";
                    return PumpOutcome.ProtocolViolation;
                }

                Copy(piece, upstream);
                buffer = buffer.Slice(take);
                passRemaining -= take;
                continue;
            }

            var status = MessageFramer.TryReadHeader(buffer, out var code, out var length);
            if (status == FrameStatus.NeedMoreData)
            {
                return null;
            }

            if (status == FrameStatus.InvalidData)
            {
                Error = "malformed message from the client";
                return PumpOutcome.ProtocolViolation;
            }

            var total = length + 1L;
            switch ((FrontendCode)code)
            {
                case FrontendCode.Query:
                case FrontendCode.Parse:
                case FrontendCode.FunctionCall:
                case FrontendCode.Describe:
                case FrontendCode.Execute:
                case FrontendCode.Close:
                    if (total > maxInspectedMessage)
                    {
                        Error = $"a {(char)code} message of {total} bytes exceeds the sidecar's limit of {maxInspectedMessage}";
                        return PumpOutcome.MessageTooLarge;
                    }

                    // Held while inspected: the pipe, a contiguous copy, the parser's copy, the copy forwarded.
                    if (!reservation.Covers(total, 4 * total))
                    {
                        waitingForBudget = (code, total);
                        return null;
                    }

                    if (buffer.Length < total)
                    {
                        return null;
                    }

                    var inspected = Inspect(code, buffer.Slice(0, total));
                    if (inspected == Inspection.Malformed)
                    {
                        Error = $"malformed '{(char)code}' message from the client";
                        return PumpOutcome.ProtocolViolation;
                    }

                    if (inspected == Inspection.AwaitCopyDecision)
                    {
                        return null;
                    }

                    if (total > BufferReservation.Unbudgeted)
                    {
                        reservation.Consumed();
                    }

                    buffer = buffer.Slice(total);
                    continue;
                case FrontendCode.Terminate:
                    Terminated = true;
                    Copy(buffer.Slice(0, Math.Min(total, buffer.Length)), upstream);
                    buffer = buffer.Slice(Math.Min(total, buffer.Length));
                    return PumpOutcome.Closed;
                case FrontendCode.Sync:
                    tracker?.Expect(PendingResponse.ReadyForQuery);
                    observer?.Synced();
                    describedPortalLength = -1;
                    break;
                case FrontendCode.Bind:
                    describedPortalLength = -1;
                    if (total <= StreamingThreshold && buffer.Length < total)
                    {
                        return null;
                    }

                    bind.Start(length - 4L);
                    bindHeaderRemaining = MessageFramer.HeaderLength;
                    break;
                case FrontendCode.Flush:
                    break;
                default:
                    describedPortalLength = -1;
                    break;
            }

            if (total <= StreamingThreshold && buffer.Length < total)
            {
                // Small messages are forwarded whole, so the session can always end at a message boundary.
                return null;
            }

            passRemaining = total;
        }
    }

    private enum Inspection
    {
        Forwarded,
        Malformed,
        AwaitCopyDecision,
    }

    /// <summary>Handles one whole inspected message.</summary>
    private Inspection Inspect(byte code, ReadOnlySequence<byte> message)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> span;
            if (message.IsSingleSegment)
            {
                span = message.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)message.Length);
                message.CopyTo(rented);
                span = rented.AsSpan(0, (int)message.Length);
            }

            var body = span[MessageFramer.HeaderLength..];
            switch ((FrontendCode)code)
            {
                case FrontendCode.Query:
                {
                    describedPortalLength = -1;
                    var end = body.IndexOf((byte)0);
                    if (end < 0)
                    {
                        return Inspection.Malformed;
                    }

                    var judgment = StatementClassifier.Judge(body[..end]);
                    GuardrailRefusal? refusal;
                    if (copyGate is not null && judgment.Refusal is null && (judgment.Traits & StatementTraits.CopyTo) != 0 && ActionGuardrails.Decide(action, judgment.Traits, masking: true) is null)
                    {
                        if (!copyDecided)
                        {
                            copyAwaitingDecision = judgment;
                            return Inspection.AwaitCopyDecision;
                        }

                        copyDecided = false;
                        refusal = Guard(judgment, copyDecision);
                    }
                    else
                    {
                        refusal = Guard(judgment);
                    }

                    observer?.StatementSent(body[..end], extendedProtocol: false, refused: refusal is not null);
                    tracker?.Expect(PendingResponse.ReadyForQuery);
                    if (refusal is null)
                    {
                        upstream.Write(span);
                    }
                    else
                    {
                        WriteRefusalQuery(refusal);
                    }

                    return Inspection.Forwarded;
                }

                case FrontendCode.Parse:
                {
                    describedPortalLength = -1;
                    var nameEnd = body.IndexOf((byte)0);
                    if (nameEnd < 0)
                    {
                        return Inspection.Malformed;
                    }

                    var rest = body[(nameEnd + 1)..];
                    var sqlEnd = rest.IndexOf((byte)0);
                    if (sqlEnd < 0)
                    {
                        return Inspection.Malformed;
                    }

                    var judgment = StatementClassifier.Judge(rest[..sqlEnd]);
                    var refusal = Guard(judgment, copyGate is not null && (judgment.Traits & StatementTraits.CopyTo) != 0 ? CopyNeedsSimpleProtocol : null);
                    prepared?.Parse(body[..nameEnd], Encoding.UTF8.GetString(rest[..sqlEnd]), PreparedStatements.ParameterTypes(rest[(sqlEnd + 1)..]), refusal is not null);
                    if (refusal is null)
                    {
                        upstream.Write(span);
                    }
                    else
                    {
                        var writer = new MessageWriter(upstream, (byte)FrontendCode.Parse);
                        writer.CString(body[..nameEnd]);
                        writer.CString(RefusalStatement(refusal));
                        writer.Bytes(rest[(sqlEnd + 1)..]);
                        writer.Complete();
                    }

                    return Inspection.Forwarded;
                }

                case FrontendCode.FunctionCall:
                {
                    // The fast-path function call can invoke any function by OID (set_config
                    // included), around every statement check: refuse it, answered in the same shape.
                    describedPortalLength = -1;
                    tracker?.Expect(PendingResponse.ReadyForQuery);
                    var refusal = new GuardrailRefusal(ActionGuardrails.PrivilegeState, "ChunkGate sidecar refused the statement: the fast-path function call protocol is not allowed");
                    SidecarTelemetry.RefusedStatements.Add(1);
                    observer?.StatementSent("-- fast-path function call"u8, extendedProtocol: false, refused: true);
                    WriteRefusalQuery(refusal);
                    return Inspection.Forwarded;
                }

                case FrontendCode.Describe:
                {
                    if (body.Length < 2 || body[^1] != 0)
                    {
                        return Inspection.Malformed;
                    }

                    tracker?.Expect(PendingResponse.ClientDescribe);
                    var name = body[1..^1];
                    if (body[0] == 'P' && name.Length <= describedPortal.Length)
                    {
                        name.CopyTo(describedPortal);
                        describedPortalLength = name.Length;
                    }
                    else
                    {
                        describedPortalLength = -1;
                    }

                    upstream.Write(span);
                    return Inspection.Forwarded;
                }

                case FrontendCode.Execute:
                {
                    var nameEnd = body.IndexOf((byte)0);
                    if (nameEnd < 0)
                    {
                        return Inspection.Malformed;
                    }

                    var portal = body[..nameEnd];
                    if (tracker is not null && !(describedPortalLength == portal.Length && portal.SequenceEqual(describedPortal.AsSpan(0, describedPortalLength))))
                    {
                        tracker.Expect(PendingResponse.InjectedDescribe);
                        var describe = new MessageWriter(upstream, (byte)FrontendCode.Describe);
                        describe.Byte((byte)'P');
                        describe.CString(portal);
                        describe.Complete();
                    }

                    describedPortalLength = -1;
                    if (observer is not null)
                    {
                        var bound = prepared!.Portal(portal);
                        observer.Executing(bound?.Statement?.Text, bound?.Parameters ?? [], bound?.Statement?.Refused ?? false);
                    }

                    upstream.Write(span);
                    return Inspection.Forwarded;
                }

                case FrontendCode.Close:
                {
                    if (body.Length < 2 || body[^1] != 0 || body[1..^1].IndexOf((byte)0) >= 0 || body[0] is not ((byte)'S' or (byte)'P'))
                    {
                        return Inspection.Malformed;
                    }

                    describedPortalLength = -1;
                    prepared?.Close(body[0], body[1..^1]);
                    upstream.Write(span);
                    return Inspection.Forwarded;
                }
            }

            return Inspection.Malformed;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The refusal for a judged statement: unjudgeable text first, then the action's guardrails, then what the caller imposes.</summary>
    private GuardrailRefusal? Guard(StatementJudgment judgment, GuardrailRefusal? imposed = null)
    {
        var refusal = judgment.Refusal ?? ActionGuardrails.Decide(action, judgment.Traits, masking: copyGate is not null) ?? imposed;
        if (refusal is not null)
        {
            SidecarTelemetry.RefusedStatements.Add(1);
        }

        return refusal;
    }

    /// <summary>Feeds the Bind's bytes (after its 5-byte header) to the reader; records the portal once the Bind is whole.</summary>
    private FrameStatus ReadBind(in ReadOnlySequence<byte> piece, bool last)
    {
        var status = FrameStatus.NeedMoreData;
        foreach (var segment in piece)
        {
            var span = segment.Span;
            if (bindHeaderRemaining > 0)
            {
                var skip = Math.Min(bindHeaderRemaining, span.Length);
                bindHeaderRemaining -= skip;
                span = span[skip..];
            }

            if (span.IsEmpty)
            {
                continue;
            }

            status = bind.Feed(span);
            if (status == FrameStatus.InvalidData)
            {
                bindHeaderRemaining = -1;
                return status;
            }
        }

        if (last)
        {
            status = bind.Finish();
        }

        if (status == FrameStatus.InvalidData)
        {
            bindHeaderRemaining = -1;
        }
        else if (status == FrameStatus.Complete)
        {
            bindHeaderRemaining = -1;
            if (prepared is not null)
            {
                var statement = prepared.Statement(bind.Statement);
                prepared.Bind(bind.Portal, statement, bind.Shapes(statement is null ? [] : statement.ParameterTypes));
            }
        }

        return status;
    }

    private void WriteRefusalQuery(GuardrailRefusal refusal)
    {
        var writer = new MessageWriter(upstream, (byte)FrontendCode.Query);
        writer.CString(RefusalStatement(refusal));
        writer.Complete();
    }

    /// <summary>A statement that fails on the server with the refusal's SQLSTATE and message.</summary>
    internal static string RefusalStatement(GuardrailRefusal refusal) =>
        "DO $chunkgate_refusal$ BEGIN RAISE EXCEPTION USING ERRCODE = '" + refusal.SqlState + "', MESSAGE = '"
        + refusal.Message.Replace("'", "''", StringComparison.Ordinal) + "'; END $chunkgate_refusal$";

    internal static void Copy(in ReadOnlySequence<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsSingleSegment)
        {
            destination.Write(source.FirstSpan);
            return;
        }

        foreach (var segment in source)
        {
            destination.Write(segment.Span);
        }
    }
}
