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
internal sealed class MaskedSession(ResultMasker masker, NpgsqlConnection? catalog, RecordingSession? recorder, ActivityContext runTrace = default)
    : IResultFilter, IStatementObserver, IResultObserver, ICopyGate, IAsyncDisposable
{
    private readonly ConcurrentQueue<(RecordedStatement Statement, Activity? Span)> started = new();
    private readonly ConcurrentQueue<CopyPlan?> copies = new();
    private (RecordedStatement Statement, Activity? Span) current;
    private bool currentCompleted = true;
    private ColumnPlan plan = ColumnPlan.Empty;
    private CopyPlan? copy;
    private bool copyHeaderPending;

    private sealed record CopyPlan(ColumnPlan Plan, CopyFormat Format, byte Delimiter, bool Header);

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
        EnsureCurrent();
        if (recorder is not null && current.Statement.Id != 0)
        {
            recorder.ColumnsDescribed(current.Statement, SessionRecorder.DescribeColumns(plan, names!));
        }

        return plan.NeedsRewrite;
    }

    public int WriteDataRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output) =>
        masker.MaskDataRow(plan, message.Slice(MessageFramer.HeaderLength), output);

    public int WriteErrorOrNotice(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        var code = message.FirstSpan[0];
        if (code != (byte)BackendCode.NotificationResponse)
        {
            return masker.MaskErrorOrNotice(code, message.Slice(MessageFramer.HeaderLength), output);
        }

        // A notification's channel and payload are free text: run the detectors over both.
        var length = (int)message.Length;
        var span = output.GetSpan(length);
        message.CopyTo(span);
        var masked = ValueDetectors.MaskInPlace(span[(MessageFramer.HeaderLength + 4)..length], masker.Policy.Detectors);
        output.Advance(length);
        return masked;
    }

    public bool OnCopyOut(in ReadOnlySequence<byte> message)
    {
        if (masker.Policy.IsEmpty)
        {
            return false;
        }

        copy = copies.TryDequeue(out var next) ? next : null;
        copyHeaderPending = copy?.Header ?? false;
        return true;
    }

    public int WriteCopyData(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        if (copy is null)
        {
            // A COPY nobody described: never pass it through unmasked.
            return ResultMasker.Malformed;
        }

        if (copyHeaderPending)
        {
            copyHeaderPending = false;
            ClientToServerPump.Copy(message, output);
            return 0;
        }

        return masker.MaskCopyData(copy.Plan, copy.Format, copy.Delimiter, message.Slice(MessageFramer.HeaderLength), output);
    }

    public async Task<GuardrailRefusal?> PrepareCopyAsync(string statement, CancellationToken cancellationToken)
    {
        if (!CopyStatement.TryParse(statement, out var parsed) || parsed.Format == CopyFormat.Binary || catalog is null)
        {
            copies.Enqueue(null);
            return Refused("ChunkGate sidecar refused the statement: with masking on, only a single text or CSV COPY … TO STDOUT can be masked");
        }

        var fields = await CopyColumnDescriber.DescribeAsync(catalog, parsed, cancellationToken).ConfigureAwait(false);
        if (fields is null)
        {
            copies.Enqueue(null);
            return Refused("ChunkGate sidecar refused the statement: the columns of this COPY could not be described for masking");
        }

        copies.Enqueue(new CopyPlan(masker.Plan(fields), parsed.Format, parsed.Delimiter, parsed.Header));
        return null;
    }

    public void StatementSent(ReadOnlySpan<byte> sql, bool extendedProtocol, bool refused)
    {
        var span = SidecarTelemetry.Source.StartActivity("statement", ActivityKind.Client, runTrace);
        span?.SetTag("db.system", "postgresql");
        span?.SetTag("chunkgate.refused", refused);
        var statement = recorder?.StatementStarted(Encoding.UTF8.GetString(sql), extendedProtocol ? StatementProtocol.Extended : StatementProtocol.Simple) ?? default;
        started.Enqueue((statement, span));
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

    public void ErrorReturned(in ReadOnlySequence<byte> maskedError)
    {
        var body = maskedError.Slice(MessageFramer.HeaderLength).ToArray();
        var sqlState = Field(body, (byte)'C');
        var message = Field(body, (byte)'M');
        var refused = message?.StartsWith("ChunkGate sidecar refused", StringComparison.Ordinal) ?? false;
        Complete(new StatementOutcome(null, 0, 0, 0, sqlState, message, refused));
    }

    /// <summary>
    /// Answers come back in the order statements were sent: the next started statement becomes
    /// current once the previous one completed. A prepared statement executed again completes
    /// without a new start, so it stays attributed to the last one.
    /// </summary>
    private void EnsureCurrent()
    {
        if (currentCompleted && started.TryDequeue(out var next))
        {
            current = next;
            currentCompleted = false;
        }
    }

    private void Complete(in StatementOutcome outcome)
    {
        EnsureCurrent();
        currentCompleted = true;
        recorder?.StatementCompleted(current.Statement, outcome);
        if (current.Span is { } span)
        {
            span.SetTag("db.response.rows", outcome.Rows);
            span.SetTag("chunkgate.masked_values", outcome.MaskedValues);
            if (outcome.ErrorCode is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, outcome.ErrorCode);
            }

            span.Dispose();
            current.Span = null;
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
        while (started.TryDequeue(out var pending))
        {
            pending.Span?.Dispose();
        }

        current.Span?.Dispose();
        masker.Dispose();
        if (catalog is not null)
        {
            await catalog.DisposeAsync().ConfigureAwait(false);
        }

        recorder?.Ended("closed", 0, 0);
    }
}
