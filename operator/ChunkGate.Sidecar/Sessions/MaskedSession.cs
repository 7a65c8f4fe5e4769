using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Telemetry;
using Npgsql;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// Masking and recording of one session, wired into the data path: plans every RowDescription
/// with the <see cref="ResultMasker"/>, rewrites rows, COPY data, errors and notices, describes
/// COPY TO before it runs, and records statements (one span each) without raw values.
/// </summary>
/// <remarks>
/// What is one recorded statement: each Execute (its prepared statement's text, its Bind's
/// parameter shapes; a prepared statement executed three times is three records), and each
/// simple Query message, whatever it holds: <c>SELECT 1; SELECT 2</c> is one record with one
/// <c>statement.end</c> per completion (CommandComplete, EmptyQueryResponse or the error that
/// stops the rest), closed at its ReadyForQuery. The string is not split: only the server knows
/// exactly where its statements end. Answers are attributed in the order the client sent the
/// executions (PostgreSQL answers strictly in order); an error in a pipeline makes the server
/// skip everything up to Sync, so executions still pending at that Sync's ReadyForQuery are closed
/// as skipped instead of absorbing later answers. An error with no execution pending (a Parse or
/// Describe failing before any Execute) is recorded as a session error.
/// </remarks>
internal sealed class MaskedSession(ResultMasker masker, CatalogLease? catalog, RecordingSession? recorder, ActivityContext runTrace = default)
    : IResultFilter, IStatementObserver, IResultObserver, ICopyGate, ISessionEndObserver, IAsyncDisposable
{
    private static readonly Pending SyncMarker = new(PendingKind.Sync, default, null);
    private static readonly byte[] NotificationWithheld = "REDACTED"u8.ToArray();

    private readonly ConcurrentQueue<Pending> pending = new();
    private CopyPlan? preparedCopy;
    private Pending? query;
    private (string Reason, long BytesToClient, long BytesToServer) ending = ("closed", 0, 0);
    private ColumnPlan plan = ColumnPlan.Empty;
    private CopyPlan? copy;
    private bool copyHeaderPending;

    private sealed record CopyPlan(ColumnPlan Plan, CopyFormat Format, byte Delimiter, bool Header);

    private enum PendingKind : byte
    {
        Execution,
        Query,
        Sync,
    }

    /// <summary>Something sent whose answer has not arrived yet: an execution, a simple Query, or a Sync.</summary>
    private sealed class Pending(PendingKind kind, RecordedStatement statement, Activity? span, bool hasParameters = false, string? text = null)
    {
        public PendingKind Kind => kind;

        /// <summary>The statement text the client sent: what an error may quote back without revealing anything.</summary>
        public string? Text => text;

        /// <summary>Its Bind had parameters: an error message may quote one of their values.</summary>
        public bool HasParameters => hasParameters;

        public RecordedStatement Statement => statement;

        public Activity? Span { get; set; } = span;

        public int Completions { get; set; }

        public long Rows { get; set; }

        public long MaskedValues { get; set; }

        public string? ErrorCode { get; set; }

        /// <summary>The masking plan of this Query's COPY TO STDOUT: used by its CopyOutResponse only, gone with its answer.</summary>
        public CopyPlan? Copy { get; set; }
    }

    public bool OnRowDescription(in ReadOnlySequence<byte> message)
    {
        var fields = ParseRowDescription(message, recorder is not null, out var names);
        if (fields is null)
        {
            // Unparseable: scan everything that could hold text, mask nothing by rule.
            plan = ColumnPlan.Empty;
            return false;
        }

        plan = masker.Plan(fields);
        if (recorder is not null && Answering() is { } target && target.Statement.Id != 0)
        {
            recorder.ColumnsDescribed(target.Statement, SessionRecorder.DescribeColumns(plan, names!));
        }

        return plan.NeedsRewrite;
    }

    public int WriteDataRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) =>
        masker.MaskDataRow(plan, message.Slice(MessageFramer.HeaderLength), output);

    public int WriteDataRow(ReadOnlySpan<byte> message, IBufferWriter<byte> output) =>
        masker.MaskDataRow(plan, message[MessageFramer.HeaderLength..], output);

    public int WriteErrorOrNotice(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        var code = message.FirstSpan[0];
        if (code != (byte)BackendCode.NotificationResponse)
        {
            var clientText = Answering()?.Text is { } text ? Encoding.UTF8.GetBytes(text) : [];
            return masker.MaskErrorOrNotice(code, message.Slice(MessageFramer.HeaderLength), output, clientText);
        }

        return WriteNotification(message, output);
    }

    /// <summary>
    /// <c>pg_notify(channel, col)</c> carries any value the session can read. With column rules
    /// the notification is dropped whole: <c>pg_notify(diagnosis, 'x')</c> names the channel by the
    /// value, and its mere arrival on a channel the client listens to ("Asthma") answers a guess;
    /// it also carries the real backend's PID. Without column rules the payload is withheld whole
    /// (nothing tells data from chatter) and the channel goes through the detectors.
    /// </summary>
    private int WriteNotification(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        if (masker.Columns.Count > 0)
        {
            return 1;
        }

        var body = message.Slice(MessageFramer.HeaderLength).ToArray();
        var channelEnd = Array.IndexOf(body, (byte)0, 4);
        if (body.Length < 5 || channelEnd < 0 || body[^1] != 0)
        {
            return ResultMasker.Malformed;
        }

        var payloadLength = body.Length - channelEnd - 2;
        var length = MessageFramer.HeaderLength + channelEnd + 1 + (payloadLength > 0 ? NotificationWithheld.Length : 0) + 1;
        var span = output.GetSpan(length);
        span[0] = (byte)BackendCode.NotificationResponse;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length - 1);
        body.AsSpan(0, channelEnd + 1).CopyTo(span[MessageFramer.HeaderLength..]);
        var masked = ValueDetectors.MaskInPlace(span.Slice(MessageFramer.HeaderLength + 4, channelEnd - 4), masker.Policy.Detectors);
        if (payloadLength > 0)
        {
            NotificationWithheld.CopyTo(span[(MessageFramer.HeaderLength + channelEnd + 1)..]);
            masked++;
        }

        span[length - 1] = 0;
        output.Advance(length);
        return masked;
    }

    public int WriteParameterStatus(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) =>
        ParameterStatusFilter.Write(message, output, masker.Policy.Detectors);

    public bool OnCopyOut(in ReadOnlySequence<byte> message)
    {
        if (masker.Policy.IsEmpty)
        {
            return false;
        }

        // The COPY being answered is the Query being answered: a plan can never outlive its own statement.
        var owner = Answering();
        copy = owner?.Copy;
        if (owner is not null)
        {
            owner.Copy = null;
        }

        copyHeaderPending = copy?.Header ?? false;
        return true;
    }

    public int WriteCopyData(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        if (message.IsSingleSegment)
        {
            return WriteCopyData(message.FirstSpan, output);
        }

        // A row across the pipe's segments: made contiguous in a pooled buffer.
        var length = checked((int)message.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.CopyTo(rented);
            return WriteCopyData(rented.AsSpan(0, length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public int WriteCopyData(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        if (copy is null)
        {
            // A COPY nobody described: never pass it through unmasked.
            return ResultMasker.Malformed;
        }

        if (copyHeaderPending)
        {
            copyHeaderPending = false;
            output.Write(message);
            return 0;
        }

        return masker.MaskCopyData(copy.Plan, copy.Format, copy.Delimiter, message[MessageFramer.HeaderLength..], output);
    }

    public async Task<GuardrailRefusal?> PrepareCopyAsync(StatementJudgment judgment, CancellationToken cancellationToken)
    {
        preparedCopy = null;
        if (judgment.Copy is not { } parsed)
        {
            return Refused($"ChunkGate sidecar refused the statement: with masking on, {judgment.CopyProblem ?? "only a single text or CSV COPY … TO STDOUT can be masked"}");
        }

        if (parsed.Format == CopyFormat.Binary || catalog is null)
        {
            return Refused("ChunkGate sidecar refused the statement: with masking on, only a single text or CSV COPY … TO STDOUT can be masked");
        }

        var fields = await catalog.UseAsync((connection, token) => CopyColumnDescriber.DescribeAsync(connection, parsed, token), cancellationToken).ConfigureAwait(false);
        if (fields is null)
        {
            return Refused("ChunkGate sidecar refused the statement: the columns of this COPY could not be described for masking");
        }

        preparedCopy = new CopyPlan(masker.Plan(fields), parsed.Format, parsed.Delimiter, parsed.Header);
        return null;
    }

    public void StatementSent(ReadOnlySpan<byte> sql, bool extendedProtocol, bool refused)
    {
        var span = StartSpan(refused);
        var statement = recorder?.StatementStarted(Encoding.UTF8.GetString(sql), extendedProtocol ? StatementProtocol.Extended : StatementProtocol.Simple, default, span?.Context ?? default) ?? default;
        var sent = new Pending(extendedProtocol ? PendingKind.Execution : PendingKind.Query, statement, span, text: Encoding.UTF8.GetString(sql)) { Copy = refused ? null : preparedCopy };
        preparedCopy = null;
        pending.Enqueue(sent);
    }

    public void Executing(string? text, ParameterShape[] parameters, bool refused)
    {
        var span = StartSpan(refused);
        var statement = recorder?.StatementStarted(text ?? "-- (a portal the sidecar did not see bound)", StatementProtocol.Extended, parameters, span?.Context ?? default) ?? default;
        pending.Enqueue(new Pending(PendingKind.Execution, statement, span, parameters.Length > 0, text));
    }

    public void Synced() => pending.Enqueue(SyncMarker);

    public ValueTask RoomAsync() => recorder?.RoomAsync() ?? ValueTask.CompletedTask;

    public void SessionEnded(string reason, long bytesToClient, long bytesToServer, string? detail = null)
    {
        ending = (reason, bytesToClient, bytesToServer);
        if (detail is not null)
        {
            var sqlState = reason.StartsWith("message too large", StringComparison.Ordinal) ? "54000"
                : reason.StartsWith("buffer budget", StringComparison.Ordinal) ? "53200"
                : "08P01";
            recorder?.Error(sqlState, detail);
        }
    }

    private Activity? StartSpan(bool refused)
    {
        var span = SidecarTelemetry.Source.StartActivity("statement", ActivityKind.Client, runTrace);
        span?.SetTag("db.system", "postgresql");
        span?.SetTag("chunkgate.refused", refused);
        return span;
    }

    public void RowDescribed(in ReadOnlySequence<byte> rowDescription)
    {
        // Columns are recorded by OnRowDescription, which has the plan.
    }

    public void CommandCompleted(in ReadOnlySequence<byte> commandComplete, long rows, long bytes, long maskedValues)
    {
        var tag = ReadCString(commandComplete.Slice(MessageFramer.HeaderLength));
        Complete(new StatementOutcome(tag, rows, bytes, maskedValues));
    }

    public void ExecutionEnded(BackendCode code, long rows, long bytes, long maskedValues) =>
        Complete(new StatementOutcome(null, rows, bytes, maskedValues, Ending: code == BackendCode.PortalSuspended ? StatementEnding.Suspended : StatementEnding.Empty));

    /// <summary>
    /// ReadyForQuery answers the simple Query being answered, or else the oldest Sync: whatever
    /// was sent before that Sync and got no answer was skipped by the server after an error.
    /// </summary>
    public void ReadyForQuery()
    {
        if (query is not null)
        {
            Close(query, StatementEnding.Skipped);
            query = null;
            return;
        }

        while (pending.TryDequeue(out var next) && next.Kind != PendingKind.Sync)
        {
            Close(next, StatementEnding.Skipped);
        }
    }

    public void ErrorReturned(in ReadOnlySequence<byte> maskedError)
    {
        var body = maskedError.Slice(MessageFramer.HeaderLength).ToArray();
        var sqlState = Field(body, (byte)'C');
        var message = Field(body, (byte)'M');
        var refused = message?.StartsWith("ChunkGate sidecar refused", StringComparison.Ordinal) ?? false;
        Complete(new StatementOutcome(null, 0, 0, 0, sqlState, message, refused));
    }

    /// <summary>What the answers arriving now belong to: the simple Query being answered, else the oldest execution not yet answered (null when a Sync comes first).</summary>
    private Pending? Answering() =>
        query ?? (pending.TryPeek(out var head) && head.Kind != PendingKind.Sync ? head : null);

    private void Complete(StatementOutcome outcome)
    {
        var target = query;
        if (target is null && pending.TryPeek(out var head) && head.Kind != PendingKind.Sync)
        {
            // Only this thread dequeues, so the head peeked is the head taken.
            pending.TryDequeue(out _);
            target = head;
            if (head.Kind == PendingKind.Query)
            {
                // A simple Query stays open for its further completions, up to its ReadyForQuery.
                query = head;
            }
        }

        if (target is null)
        {
            if (outcome.ErrorCode is not null || outcome.ErrorMessage is not null)
            {
                // Nothing executing: a Parse, Bind or Describe failed, and a Bind's error can quote a value.
                recorder?.Error(outcome.ErrorCode ?? "?????", ParameterEchoes.Redact(outcome.ErrorMessage));
            }

            return;
        }

        if (target.HasParameters && outcome.ErrorMessage is not null)
        {
            outcome = outcome with { ErrorMessage = ParameterEchoes.Redact(outcome.ErrorMessage) };
        }

        target.Completions++;
        target.Rows += outcome.Rows;
        target.MaskedValues += outcome.MaskedValues;
        target.ErrorCode ??= outcome.ErrorCode;
        recorder?.StatementCompleted(target.Statement, outcome);
        if (outcome.Ending != StatementEnding.Completed)
        {
            target.Span?.SetTag("chunkgate.ending", RecordingNames.Of(outcome.Ending));
        }

        if (target.Kind == PendingKind.Execution)
        {
            Close(target, StatementEnding.Completed);
        }
    }

    /// <summary>Ends the span; records the given ending when nothing was recorded for it yet.</summary>
    private void Close(Pending target, StatementEnding unanswered)
    {
        if (target.Completions == 0)
        {
            recorder?.StatementCompleted(target.Statement, new StatementOutcome(null, 0, 0, 0, Ending: unanswered));
        }

        if (target.Span is { } span)
        {
            span.SetTag("db.response.rows", target.Rows);
            span.SetTag("chunkgate.masked_values", target.MaskedValues);
            if (target.Completions == 0)
            {
                span.SetTag("chunkgate.ending", RecordingNames.Of(unanswered));
            }

            if (target.ErrorCode is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, target.ErrorCode);
            }

            span.Dispose();
            target.Span = null;
        }
    }

    private static FieldDescription[]? ParseRowDescription(in ReadOnlySequence<byte> message, bool withNames, out List<string>? names)
    {
        names = withNames ? [] : null;
        var body = message.Slice(MessageFramer.HeaderLength).ToArray();
        if (body.Length < 2)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var fields = new FieldDescription[Math.Max((int)count, 0)];
        var position = 2;
        for (var index = 0; index < fields.Length; index++)
        {
            var nameEnd = Array.IndexOf(body, (byte)0, position);
            if (nameEnd < 0 || body.Length - nameEnd - 1 < 18)
            {
                return null;
            }

            names?.Add(Encoding.UTF8.GetString(body, position, nameEnd - position));
            var field = body.AsSpan(nameEnd + 1);
            fields[index] = new FieldDescription(
                BinaryPrimitives.ReadUInt32BigEndian(field),
                BinaryPrimitives.ReadInt16BigEndian(field[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(field[6..]),
                BinaryPrimitives.ReadInt16BigEndian(field[10..]),
                BinaryPrimitives.ReadInt32BigEndian(field[12..]),
                BinaryPrimitives.ReadInt16BigEndian(field[16..]));
            position = nameEnd + 1 + 18;
        }

        return fields;
    }

    private static string? ReadCString(in ReadOnlySequence<byte> body)
    {
        var bytes = body.ToArray();
        var end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    private static string? Field(byte[] body, byte type)
    {
        var position = 0;
        while (position < body.Length && body[position] != 0)
        {
            var end = Array.IndexOf(body, (byte)0, position + 1);
            if (end < 0)
            {
                return null;
            }

            if (body[position] == type)
            {
                return Encoding.UTF8.GetString(body, position + 1, end - position - 1);
            }

            position = end + 1;
        }

        return null;
    }

    private static GuardrailRefusal Refused(string message) => new(ActionGuardrails.PrivilegeState, message);

    public async ValueTask DisposeAsync()
    {
        if (query is not null)
        {
            Close(query, StatementEnding.Unanswered);
            query = null;
        }

        while (pending.TryDequeue(out var next))
        {
            if (next.Kind != PendingKind.Sync)
            {
                Close(next, StatementEnding.Unanswered);
            }
        }

        masker.Dispose();
        recorder?.Ended(ending.Reason, ending.BytesToClient, ending.BytesToServer);
    }
}
