using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Telemetry;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Told how a session ended, before its features are disposed (the recording's <c>session.end</c>).</summary>
internal interface ISessionEndObserver
{
    /// <param name="reason">A fixed phrase (<see cref="ProxySession.EndReason"/>), never data.</param>
    /// <param name="bytesToClient">Every byte written to the client socket, startup answers included.</param>
    /// <param name="bytesToServer">Protocol bytes written to the database after startup (after rewriting, before TLS).</param>
    /// <param name="detail">The protocol error that ended it, if any (masked before it is recorded).</param>
    void SessionEnded(string reason, long bytesToClient, long bytesToServer, string? detail = null);
}

/// <summary>
/// One client connection: startup (SSL/GSSENC refused with 'N', CancelRequest mapped to the real
/// backend, parameters checked), the upstream session as the approved role, then both
/// directions pumped until either side ends, the protocol is broken, or the approval expires.
/// </summary>
internal sealed class ProxySession(Socket clientSocket, SidecarContext context)
{
    private const int MaxNegotiations = 4;

    private ByteCountingStream? clientBytes;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Owned by the stream from here on, so the socket is closed whatever ends the session.
        await using var clientStream = new NetworkStream(clientSocket, ownsSocket: true);
        clientSocket.NoDelay = true;
        var clientReader = PipeReader.Create(clientStream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384, leaveOpen: true));
        var clientWriter = PipeWriter.Create(clientBytes = new ByteCountingStream(clientStream), new StreamPipeWriterOptions(minimumBufferSize: 65536, leaveOpen: true));
        try
        {
            await RunClientAsync(clientReader, clientWriter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            context.Logger.LogDebug("session ended: {Reason}", exception.Message);
        }
        finally
        {
            await clientReader.CompleteAsync().ConfigureAwait(false);
            await clientWriter.CompleteAsync().ConfigureAwait(false);
            Close(clientSocket);
        }
    }

    private async Task RunClientAsync(PipeReader clientReader, PipeWriter clientWriter, CancellationToken cancellationToken)
    {
        StartupPacket? startup;
        using (var startupTimeout = new CancellationTokenSource(context.Options.StartupTimeout, context.Time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, startupTimeout.Token))
        {
            try
            {
                startup = await ReadStartupAsync(clientReader, clientWriter, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (startupTimeout.IsCancellationRequested)
            {
                // A half-open client must not hold a socket (and a connection slot) forever.
                context.Logger.LogDebug("closing a client that sent no startup packet within {Timeout}", context.Options.StartupTimeout);
                await FatalAsync(clientWriter, "08P01", "no startup packet within the ChunkGate sidecar's startup timeout").ConfigureAwait(false);
                return;
            }
        }

        if (startup is null)
        {
            return;
        }

        if (startup.Kind == StartupKind.CancelRequest)
        {
            await ForwardCancelAsync(startup, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (context.Deadline.HasExpired)
        {
            await FatalAsync(clientWriter, ApprovalDeadline.ExpiredSqlState, context.Deadline.ExpiredMessage).ConfigureAwait(false);
            return;
        }

        var options = context.Options;
        var decision = ClientStartupPolicy.Decide(startup, options.Upstream, options.Action);
        if (decision.Error is not null)
        {
            await FatalAsync(clientWriter, decision.ErrorSqlState, decision.Error).ConfigureAwait(false);
            return;
        }

        UpstreamCredential credential;
        try
        {
            credential = await UpstreamCredential.ReadAsync(options.UsernameFile, options.PasswordFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            context.Logger.LogError("cannot read the credential files: {Reason}", exception.Message);
            await FatalAsync(clientWriter, "28000", "the ChunkGate sidecar has no usable database credential").ConfigureAwait(false);
            return;
        }

        var (upstream, failure) = await UpstreamConnector.ConnectAsync(options.Upstream, credential, decision.UpstreamParameters, cancellationToken).ConfigureAwait(false);
        if (upstream is null)
        {
            context.Logger.LogWarning("upstream session failed: {Reason}", failure!.Message);
            if (failure.ServerError is not null)
            {
                clientWriter.Write(failure.ServerError);
                await clientWriter.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await FatalAsync(clientWriter, failure.SqlState, failure.Message).ConfigureAwait(false);
            }

            return;
        }

        await using (upstream.ConfigureAwait(false))
        {
            SessionFeatures features;
            try
            {
                features = context.Features is null
                    ? SessionFeatures.None
                    : await context.Features.CreateAsync(credential, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Masking that cannot be set up must not fall back to unmasked data.
                context.Logger.LogError(exception, "masking or recording could not start");
                await FatalAsync(clientWriter, "XX000", "the ChunkGate sidecar could not set up masking for this session").ConfigureAwait(false);
                return;
            }

            await using (features.Lifetime as IAsyncDisposable ?? NoLifetime.Instance)
            {
                await using var expiryHold = context.Terminator is { } terminator
                    ? await PrepareTerminatorAsync(terminator, credential, clientWriter, cancellationToken).ConfigureAwait(false)
                    : NoLifetime.Instance;
                if (expiryHold is null)
                {
                    return;
                }

                if (context.Deadline.HasExpired)
                {
                    // Connecting upstream takes time: a session admitted just before the deadline must not start after it.
                    await FatalAsync(clientWriter, ApprovalDeadline.ExpiredSqlState, context.Deadline.ExpiredMessage).ConfigureAwait(false);
                    return;
                }

                var key = context.Cancels.Register(upstream.ProcessId, upstream.SecretKey);
                try
                {
                    if (decision.NegotiateMinorVersion)
                    {
                        BackendMessages.NegotiateProtocolVersion(clientWriter, FrontendMessages.ProtocolVersion30, decision.UnsupportedProtocolOptions);
                    }

                    BackendMessages.AuthenticationOk(clientWriter);
                    foreach (var message in upstream.StartupMessages)
                    {
                        clientWriter.Write(message);
                    }

                    BackendMessages.BackendKeyData(clientWriter, key.ProcessId, key.SecretKey);
                    clientWriter.Write("Z\0\0\0\u0005I"u8);
                    await clientWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
                    SidecarTelemetry.Sessions.Add(1);
                    await PumpAsync(clientReader, clientWriter, upstream, credential, features, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    context.Cancels.Unregister(key);
                }
            }
        }
    }

    private async Task PumpAsync(PipeReader clientReader, PipeWriter clientWriter, UpstreamConnection upstream, UpstreamCredential credential, SessionFeatures features, CancellationToken stopping)
    {
        var signals = new SessionSignals();
        var tracker = features.Filter is null ? null : new ResponseTracker();
        var max = context.Options.MaxInspectedMessageBytes;
        var wait = context.Options.BufferWait;
        var toServer = new ClientToServerPump(clientReader, upstream.Writer, context.Options.Action, max, tracker, features.Statements, signals, new BufferReservation(context.Buffers, wait), features.CopyGate);
        var toClient = new ServerToClientPump(upstream.Reader, clientWriter, max, features.Filter, tracker, features.Results, signals, new BufferReservation(context.Buffers, wait), context.Options.Action);

        // Closing the socket alone does not stop a statement: the backend notices the closed
        // connection only when it next writes, so an autocommit UPDATE … pg_sleep(20) running at
        // shutdown still committed. A CancelRequest interrupts it; the close that follows then
        // aborts whatever transaction is open. At expiry that is not enough (see ExpiryTerminator):
        // the backend is terminated instead, and cancelled only when termination failed.
        Task<UpstreamFailure?>? cancelling = null;
        void CancelUpstream()
        {
            if (Volatile.Read(ref cancelling) is null)
            {
                Interlocked.CompareExchange(
                    ref cancelling,
                    UpstreamConnector.SendCancelAsync(context.Options.Upstream, upstream.ProcessId, upstream.SecretKey, CancellationToken.None),
                    null);
            }
        }

        Task<bool>? terminating = null;
        using var deadline = context.Deadline.Arm(() =>
        {
            // Reads are cancelled, flushes are not: cancelling a flush cancels the socket write in
            // flight and can leave the stream unusable, so the FATAL that follows would never arrive.
            // A client that stops reading is bounded by ApprovalDeadline.EndingGrace instead.
            signals.MarkExpired();

            // A deadline always comes with a terminator (SidecarContext makes both from expiresAt).
            terminating = TerminateAtExpiryAsync(context.Terminator!, credential, upstream.ProcessId, CancelUpstream);

            upstream.Reader.CancelPendingRead();
            clientReader.CancelPendingRead();
        });

        // Shutting the sidecar down ends every session (both pumps see a cancelled read).
        using var stop = stopping.Register(() =>
        {
            CancelUpstream();
            upstream.Reader.CancelPendingRead();
            clientReader.CancelPendingRead();
        });

        var toServerTask = toServer.RunAsync();
        var toClientTask = toClient.RunAsync();
        var reason = "connection error";
        string? detail = null;
        try
        {
            var first = await Task.WhenAny(toServerTask, toClientTask).ConfigureAwait(false);
            var fromClient = first == toServerTask;
            var outcome = await first.ConfigureAwait(false);
            detail = outcome is PumpOutcome.ProtocolViolation or PumpOutcome.MessageTooLarge or PumpOutcome.OutOfBufferBudget ? (fromClient ? toServer.Error : toClient.Error) : null;
            if (fromClient)
            {
                if (outcome == PumpOutcome.Expired || signals.Expired)
                {
                    // The other direction stops at the next message boundary; then the FATAL goes out.
                    if (await FinishesWithinGraceAsync(toClientTask).ConfigureAwait(false))
                    {
                        await EndExpiredAsync(clientWriter, toClient).ConfigureAwait(false);
                    }
                }
                else if (outcome is PumpOutcome.ProtocolViolation or PumpOutcome.MessageTooLarge or PumpOutcome.OutOfBufferBudget)
                {
                    upstream.Reader.CancelPendingRead();
                    await toClientTask.ConfigureAwait(false);
                    context.Logger.LogWarning("closing session: {Reason}", toServer.Error);
                    await FatalAsync(clientWriter, SqlState(outcome), toServer.Error!).ConfigureAwait(false);
                }
            }
            else
            {
                if (outcome == PumpOutcome.Expired || signals.Expired)
                {
                    await EndExpiredAsync(clientWriter, toClient).ConfigureAwait(false);
                }
                else if (outcome is PumpOutcome.ProtocolViolation or PumpOutcome.MessageTooLarge or PumpOutcome.OutOfBufferBudget)
                {
                    context.Logger.LogWarning("closing session: {Reason}", toClient.Error);
                    await FatalAsync(clientWriter, SqlState(outcome), toClient.Error!).ConfigureAwait(false);
                }
            }

            var terminated = terminating is not null && await terminating.ConfigureAwait(false);
            var cancelledUpstream = cancelling is not null && await CancelDeliveredAsync(cancelling).ConfigureAwait(false);
            upstream.Abort();
            Close(clientSocket);
            clientReader.CancelPendingRead();
            upstream.Reader.CancelPendingRead();
            await Task.WhenAll(toServerTask, toClientTask).ConfigureAwait(false);
            reason = EndReason(fromClient, outcome, signals.Expired, toServer.Terminated, stopping.IsCancellationRequested);
            if (terminated)
            {
                reason += UpstreamTerminated;
            }
            else if (cancelling is not null)
            {
                reason += cancelledUpstream ? UpstreamCancelled : UpstreamCancelFailed;
            }
        }
        finally
        {
            // Before the features are disposed: that writes the recording's session.end.
            (features.Lifetime as ISessionEndObserver)?.SessionEnded(reason, clientBytes?.BytesWritten ?? 0, upstream.BytesWritten, detail);
        }
    }

    /// <summary>The SQLSTATE of the FATAL that ends a session the sidecar stopped: 54000 program_limit_exceeded, 53200 out_of_memory, else 08P01.</summary>
    internal static string SqlState(PumpOutcome outcome) => outcome switch
    {
        PumpOutcome.MessageTooLarge => "54000",
        PumpOutcome.OutOfBufferBudget => "53200",
        _ => "08P01",
    };

    /// <summary>Why a session ended, from the direction that stopped first and how it stopped.</summary>
    internal static string EndReason(bool clientSideFirst, PumpOutcome outcome, bool expired, bool clientTerminated, bool sidecarStopping)
    {
        if (expired || outcome == PumpOutcome.Expired)
        {
            return "approval expired";
        }

        return (outcome, clientSideFirst) switch
        {
            (PumpOutcome.ProtocolViolation, true) => "protocol violation by the client",
            (PumpOutcome.ProtocolViolation, false) => "protocol violation by the server",
            (PumpOutcome.MessageTooLarge, true) => "message too large from the client",
            (PumpOutcome.MessageTooLarge, false) => "message too large from the server",
            (PumpOutcome.OutOfBufferBudget, true) => "buffer budget exhausted by a client message",
            (PumpOutcome.OutOfBufferBudget, false) => "buffer budget exhausted by a server message",
            (PumpOutcome.Closed, true) => clientTerminated ? "client terminated" : "client disconnected",
            (PumpOutcome.Closed, false) => "server closed",
            _ when sidecarStopping => "sidecar stopping",
            (_, true) => "server closed",
            _ => "client disconnected",
        };
    }

    private async Task EndExpiredAsync(PipeWriter clientWriter, ServerToClientPump toClient)
    {
        context.Logger.LogWarning("approval expired: ending the session");
        if (!toClient.MidMessage)
        {
            // Bounded: a client that does not read must not keep the session past its deadline.
            await FinishesWithinGraceAsync(FatalAsync(clientWriter, ApprovalDeadline.ExpiredSqlState, context.Deadline.ExpiredMessage)).ConfigureAwait(false);
        }
    }

    /// <summary>Appended to the end reason when the backend was terminated at expiry.</summary>
    internal const string UpstreamTerminated = "; backend terminated at expiry";

    /// <summary>Appended to the end reason when the statement possibly in flight was cancelled upstream (shutdown, or termination failed).</summary>
    internal const string UpstreamCancelled = "; statement in flight cancelled upstream, connection closed";

    internal const string UpstreamCancelFailed = "; cancel request not confirmed by the database, connection closed";

    /// <summary>
    /// Opens the expiry connection before the first statement is forwarded; a session whose backend
    /// could not be ended at expiry is not started (fail closed).
    /// </summary>
    private async Task<IAsyncDisposable?> PrepareTerminatorAsync(ExpiryTerminator terminator, UpstreamCredential credential, PipeWriter clientWriter, CancellationToken cancellationToken)
    {
        try
        {
            return await terminator.PrepareAsync(credential, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            context.Logger.LogError("cannot open the connection that ends sessions at expiry: {Reason}", exception.Message);
            await FatalAsync(clientWriter, "53300", "the ChunkGate sidecar could not open the connection it needs to end this session at expiry").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>True when the backend was terminated (or had ended); on failure falls back to <paramref name="cancel"/>.</summary>
    private async Task<bool> TerminateAtExpiryAsync(ExpiryTerminator terminator, UpstreamCredential credential, int processId, Action cancel)
    {
        try
        {
            using var bounded = new CancellationTokenSource(ApprovalDeadline.EndingGrace);
            if (!await terminator.TerminateAsync(credential, processId, bounded.Token).ConfigureAwait(false))
            {
                context.Logger.LogDebug("backend {ProcessId} had already ended at expiry", processId);
            }

            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            context.Logger.LogWarning("could not terminate backend {ProcessId} at expiry, cancelling its statement instead: {Reason}", processId, exception.Message);
            cancel();
            return false;
        }
    }

    private async Task<bool> CancelDeliveredAsync(Task<UpstreamFailure?> cancel)
    {
        try
        {
            if (await cancel.WaitAsync(ApprovalDeadline.EndingGrace).ConfigureAwait(false) is { } failure)
            {
                context.Logger.LogWarning("could not cancel the statement in flight: {Reason}", failure.Message);
                return false;
            }

            return true;
        }
        catch (TimeoutException)
        {
            context.Logger.LogWarning("the database did not confirm the cancel request within {Grace}", ApprovalDeadline.EndingGrace);
            return false;
        }
    }

    private static async Task<bool> FinishesWithinGraceAsync(Task task)
    {
        try
        {
            await task.WaitAsync(ApprovalDeadline.EndingGrace).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            // The socket is closed next, which ends the stuck write.
            return false;
        }
    }

    private async Task<StartupPacket?> ReadStartupAsync(PipeReader reader, PipeWriter writer, CancellationToken cancellationToken)
    {
        for (var negotiation = 0; negotiation <= MaxNegotiations; negotiation++)
        {
            StartupPacket? packet;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var status = StartupPacket.TryRead(buffer, out packet, out var length, out var error);
                if (status == FrameStatus.InvalidData)
                {
                    reader.AdvanceTo(buffer.Start);
                    await FatalAsync(writer, "08P01", error!).ConfigureAwait(false);
                    return null;
                }

                if (status == FrameStatus.Complete)
                {
                    reader.AdvanceTo(buffer.GetPosition(length));
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }
            }

            if (packet!.Kind is StartupKind.SslRequest or StartupKind.GssEncRequest)
            {
                // Plaintext on localhost: refuse encryption; the client goes on unencrypted or gives up.
                writer.Write("N"u8);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            return packet;
        }

        await FatalAsync(writer, "08P01", "too many encryption negotiation requests").ConfigureAwait(false);
        return null;
    }

    private async Task ForwardCancelAsync(StartupPacket packet, CancellationToken cancellationToken)
    {
        if (!context.Cancels.TryResolve(packet.CancelProcessId, packet.CancelSecretKey, out var backend))
        {
            // As PostgreSQL does: no answer either way, so keys cannot be probed.
            return;
        }

        var failure = await UpstreamConnector.SendCancelAsync(context.Options.Upstream, backend.ProcessId, backend.SecretKey, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            context.Logger.LogWarning("could not forward a cancel request: {Reason}", failure.Message);
        }
    }

    private static async Task FatalAsync(PipeWriter writer, string sqlState, string message)
    {
        try
        {
            BackendMessages.ErrorResponse(writer, ErrorSeverity.Fatal, sqlState, message);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // A flush cancelled earlier (the deadline cancels pending flushes) leaves the bytes buffered: flush again.
            while ((await writer.FlushAsync(timeout.Token).ConfigureAwait(false)).IsCanceled)
            {
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // The client is gone or not reading; closing the socket is all that is left.
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Close();
    }

    private sealed class NoLifetime : IAsyncDisposable
    {
        public static readonly NoLifetime Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
