using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Telemetry;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Receives the statement texts the client sends, for the recording.</summary>
internal interface IStatementObserver
{
    void StatementSent(ReadOnlySpan<byte> sql, bool extendedProtocol, bool refused);
}

/// <summary>
/// Prepares masking of a <c>COPY … TO STDOUT</c> before it reaches the server (COPY sends no
/// RowDescription, so its columns must be described first); refuses it when that is impossible.
/// </summary>
internal interface ICopyGate
{
    Task<GuardrailRefusal?> PrepareCopyAsync(string statement, CancellationToken cancellationToken);
}

/// <summary>
/// Client → database. Messages pass through as they arrive (streamed, whatever their size),
/// except statement texts (Query, Parse, FunctionCall), which are checked whole against the
/// action's guardrails; a refused one is replaced by a statement that raises the refusal on
/// the server, so answers stay in protocol order and the transaction state stays the server's.
/// When masking needs the columns of every result, a Describe of the portal is added before an
/// Execute the client did not describe itself.
/// </summary>
internal sealed class ClientToServerPump(
    PipeReader client,
    PipeWriter upstream,
    SessionAction action,
    int maxInspectedMessage,
    ResponseTracker? tracker,
    IStatementObserver? observer,
    SessionSignals signals,
    ICopyGate? copyGate = null)
{
    private static readonly GuardrailRefusal CopyNeedsSimpleProtocol = new(
        ActionGuardrails.PrivilegeState, "ChunkGate sidecar refused the statement: with masking on, COPY TO STDOUT must be sent as a simple query, alone");

    /// <summary>Messages above this size are streamed through in pieces instead of buffered whole.</summary>
    public const int StreamingThreshold = 8 * 1024;

    private long passRemaining;
    private byte[] describedPortal = new byte[64];
    private int describedPortalLength = -1;
    private string? copyAwaitingDecision;
    private bool copyDecided;
    private GuardrailRefusal? copyDecision;

    public string? Error { get; private set; }

    public async Task<PumpOutcome> RunAsync()
    {
        while (true)
        {
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

            client.AdvanceTo(buffer.Start, result.Buffer.End);
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

                Copy(buffer.Slice(0, take), upstream);
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
                    if (total > maxInspectedMessage)
                    {
                        Error = $"a {(char)code} message of {total} bytes exceeds the sidecar's limit of {maxInspectedMessage}";
                        return PumpOutcome.MessageTooLarge;
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

                    buffer = buffer.Slice(total);
                    continue;
                case FrontendCode.Terminate:
                    Copy(buffer.Slice(0, Math.Min(total, buffer.Length)), upstream);
                    buffer = buffer.Slice(Math.Min(total, buffer.Length));
                    return PumpOutcome.Closed;
                case FrontendCode.Sync:
                    tracker?.Expect(PendingResponse.ReadyForQuery);
                    describedPortalLength = -1;
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

                    var traits = StatementClassifier.Classify(body[..end]);
                    GuardrailRefusal? refusal;
                    if (copyGate is not null && (traits & StatementTraits.CopyTo) != 0 && ActionGuardrails.Decide(action, traits) is null)
                    {
                        if (!copyDecided)
                        {
                            copyAwaitingDecision = Encoding.UTF8.GetString(body[..end]);
                            return Inspection.AwaitCopyDecision;
                        }

                        copyDecided = false;
                        refusal = Guard(body[..end], traits, extended: false, copyDecision);
                    }
                    else
                    {
                        refusal = Guard(body[..end], traits, extended: false);
                    }

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

                    var traits = StatementClassifier.Classify(rest[..sqlEnd]);
                    var refusal = Guard(rest[..sqlEnd], traits, extended: true, copyGate is not null && (traits & StatementTraits.CopyTo) != 0 ? CopyNeedsSimpleProtocol : null);
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

    private GuardrailRefusal? Guard(ReadOnlySpan<byte> sql, StatementTraits traits, bool extended, GuardrailRefusal? imposed = null)
    {
        var refusal = ActionGuardrails.Decide(action, traits) ?? imposed;
        observer?.StatementSent(sql, extended, refusal is not null);
        if (refusal is not null)
        {
            SidecarTelemetry.RefusedStatements.Add(1);
        }

        return refusal;
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
