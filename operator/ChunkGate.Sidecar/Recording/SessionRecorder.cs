using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ChunkGate.Sidecar.Masking;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// The recording file of one sidecar: one JSON object per line, shared by every client connection
/// (each a <see cref="RecordingSession"/>, its events tagged with the session id) (statements with masked text, parameter shapes,
/// columns, row/byte/masked counts, durations, errors). The data path enqueues without waiting and
/// never drops (a hostile probe hid a statement by pipelining 100,000 of them while the writer fell
/// behind); instead each session waits for <see cref="RoomAsync"/> before it reads more from its
/// client, so a recording that falls behind slows its sessions down. Nothing written
/// contains an unmasked value: statement and error texts go through <see cref="StatementTextMasker"/>,
/// parameters are recorded only as type and length. The same lines can also go out as log records
/// (<see cref="RecordingLogRecord"/>, exported over OTLP), written by the same task.
/// </summary>
internal sealed class SessionRecorder : IAsyncDisposable
{
    public const int DefaultCapacity = 8192;

    private const int MaxTrackedSpans = 10_000;

    private static readonly TimeSpan RoomPoll = TimeSpan.FromMilliseconds(2);

    private readonly int capacity;

    /// <summary>Events in the channel (a single-reader channel cannot count them itself).</summary>
    private int queued;

    private readonly Channel<RecordingEvent> channel;
    private readonly Stream? destination;
    private readonly bool ownsDestination;
    private readonly ILogger? logRecords;
    private readonly ActivityContext runTrace;

    /// <summary>Statement spans by statement id, so a statement's later lines join its span (writer task only).</summary>
    private readonly Dictionary<long, ActivityContext> statementSpans = [];
    private readonly StatementTextMasker masker;
    private readonly TimeProvider time;
    private readonly Task writer;
    private long nextStatementId;
    private long nextSessionId;
    private long dropped;
    private long written;
    private long pendingLines;
    private int disposed;

    /// <param name="destination">Where the JSON lines go (appended; flushed whenever the queue drains); null for log records only.</param>
    /// <param name="masker">Masks statement and error texts.</param>
    /// <param name="time">Clock for event times and durations.</param>
    /// <param name="capacity">Events queued before sessions wait for the writer (a batch of one client read may go past it).</param>
    /// <param name="ownsDestination">Dispose the stream with the recorder.</param>
    /// <param name="logRecords">Also emits every line as a log record (category <see cref="RecordingLogRecord.Category"/>).</param>
    /// <param name="runTrace">The run's trace: the trace context of log records not tied to a statement span.</param>
    public SessionRecorder(Stream? destination, StatementTextMasker masker, TimeProvider time, int capacity = DefaultCapacity, bool ownsDestination = true, ILogger? logRecords = null, ActivityContext runTrace = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (destination is null && logRecords is null)
        {
            throw new ArgumentException("a recorder needs a file, log records, or both", nameof(destination));
        }

        this.destination = destination;
        this.ownsDestination = ownsDestination;
        this.logRecords = logRecords;
        this.runTrace = runTrace;
        this.masker = masker;
        this.time = time;
        this.capacity = capacity;
        channel = Channel.CreateUnbounded<RecordingEvent>(new UnboundedChannelOptions
        {
            SingleReader = true,
            SingleWriter = false,
        });
        writer = Task.Run(WriteAllAsync);
    }

    /// <summary>Completes once the writer has caught up to within the capacity; sessions await it before reading more from their clients.</summary>
    public async ValueTask RoomAsync()
    {
        while (Volatile.Read(ref queued) > capacity && Volatile.Read(ref disposed) == 0)
        {
            await Task.Delay(RoomPoll).ConfigureAwait(false);
        }
    }

    /// <summary>Events not written because the file failed (disk full, file removed); the writer keeps draining so no session waits forever.</summary>
    public long DroppedEvents => Interlocked.Read(ref dropped);

    /// <summary>
    /// Set when writing the recording failed (disk full, file removed): from then on events are
    /// counted as dropped. The proxy reports it (log, metric); the session itself goes on.
    /// </summary>
    public Exception? WriteFailure { get; private set; }

    /// <summary>Lines written to the destination so far.</summary>
    public long WrittenEvents => Interlocked.Read(ref written);

    /// <summary>The recording path that means standard output (the container log, which outlives nothing but is read before the Pod goes).</summary>
    public const string StandardOutput = "-";

    /// <summary>
    /// Opens (appends to) the recording file, creating its directory; <see cref="StandardOutput"/>
    /// writes to stdout instead (the sidecar's console log goes to stderr then); with a null
    /// <paramref name="path"/>, log records only.
    /// </summary>
    public static SessionRecorder Open(string? path, StatementTextMasker masker, TimeProvider time, int capacity = DefaultCapacity, ILogger? logRecords = null, ActivityContext runTrace = default)
    {
        if (path is null)
        {
            return new SessionRecorder(null, masker, time, capacity, logRecords: logRecords, runTrace: runTrace);
        }

        if (path == StandardOutput)
        {
            return new SessionRecorder(Console.OpenStandardOutput(), masker, time, capacity, ownsDestination: false, logRecords: logRecords, runTrace: runTrace);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            // Readers (replay -f) are welcome; a second writer would be a bug, but must not crash a session.
            Share = FileShare.ReadWrite,
            Options = FileOptions.Asynchronous,
            BufferSize = 64 * 1024,
        });
        return new SessionRecorder(stream, masker, time, capacity, logRecords: logRecords, runTrace: runTrace);
    }

    /// <summary>Starts recording one client connection (writes <c>session.start</c>).</summary>
    public RecordingSession StartSession(SessionInfo info)
    {
        var session = new RecordingSession(this, Interlocked.Increment(ref nextSessionId));
        Enqueue(new SessionStartedEvent(time.GetUtcNow(), session.Id, info));
        return session;
    }

    /// <summary>Builds the recorded columns from a plan and the RowDescription's field names.</summary>
    public static RecordedColumn[] DescribeColumns(ColumnPlan plan, IReadOnlyList<string> names)
    {
        var columns = new RecordedColumn[plan.ColumnCount];
        for (var index = 0; index < columns.Length; index++)
        {
            var planned = plan[index];
            columns[index] = new RecordedColumn(index < names.Count ? names[index] : $"column{index + 1}", planned.TypeOid, planned.Action, planned.Strategy);
        }

        return columns;
    }

    internal TimeProvider Time => time;

    internal long NextStatementId() => Interlocked.Increment(ref nextStatementId);

    internal void Enqueue(RecordingEvent recordingEvent)
    {
        if (channel.Writer.TryWrite(recordingEvent))
        {
            Interlocked.Increment(ref queued);
        }
        else if (Volatile.Read(ref disposed) == 0)
        {
            Interlocked.Increment(ref dropped);
        }
    }

    /// <summary>Stops accepting events, writes what is queued and closes the file.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// Stops accepting events and writes what is queued, unless <paramref name="cancellationToken"/>
    /// fires first (a stalled disk must not hold up shutdown): returns false then, and the events
    /// still queued are lost.
    /// </summary>
    public async ValueTask<bool> CloseAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return true;
        }

        channel.Writer.TryComplete();
        try
        {
            await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Add(ref dropped, Volatile.Read(ref queued));
            return false;
        }

        if (ownsDestination && destination is not null)
        {
            await destination.DisposeAsync().ConfigureAwait(false);
        }

        return true;
    }

    private async Task WriteAllAsync()
    {
        var reader = channel.Reader;
        var buffer = new ArrayBufferWriter<byte>(4096);
        await using var json = new Utf8JsonWriter(buffer);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var recordingEvent))
            {
                Interlocked.Decrement(ref queued);
                var fileLost = WriteFailure is not null;
                if (fileLost)
                {
                    // The file is unusable: keep draining so the data path never blocks, and count the loss.
                    Interlocked.Increment(ref dropped);
                    if (logRecords is null)
                    {
                        continue;
                    }
                }

                var lineStart = buffer.WrittenCount;
                json.Reset(buffer);
                RecordingLineWriter.Write(json, recordingEvent, masker, DroppedEvents);
                json.Flush();
                if (logRecords is not null)
                {
                    EmitLogRecord(recordingEvent, buffer.WrittenSpan[lineStart..]);
                }

                if (destination is null || fileLost)
                {
                    buffer.ResetWrittenCount();
                    continue;
                }

                buffer.Write("\n"u8);
                pendingLines++;
                if (buffer.WrittenCount >= 32 * 1024)
                {
                    await FlushAsync(buffer, final: false).ConfigureAwait(false);
                }
            }

            // The queue is drained: make what we have visible (replay may tail the file).
            await FlushAsync(buffer, final: true).ConfigureAwait(false);
        }
    }

    private void EmitLogRecord(RecordingEvent recordingEvent, ReadOnlySpan<byte> line)
    {
        long? statementId = null;
        var trace = runTrace;
        switch (recordingEvent)
        {
            case StatementStartedEvent started:
                statementId = started.Id;
                if (statementSpans.Count >= MaxTrackedSpans)
                {
                    // Completions lost to a full queue would leave entries behind: bound them.
                    statementSpans.Clear();
                }

                if (started.Span != default)
                {
                    statementSpans[started.Id] = started.Span;
                    trace = started.Span;
                }

                break;
            case ColumnsDescribedEvent described:
                statementId = described.Id;
                trace = statementSpans.GetValueOrDefault(described.Id, runTrace);
                break;
            case StatementCompletedEvent completed:
                statementId = completed.Id;
                trace = statementSpans.Remove(completed.Id, out var span) ? span : runTrace;
                break;
        }

        var record = new RecordingLogRecord(Encoding.UTF8.GetString(line), RecordingLineWriter.EventName(recordingEvent), recordingEvent.Session, statementId, trace);
        logRecords!.Log(LogLevel.Information, RecordingLogRecord.EventId, record, null, RecordingLogRecord.Format);
    }

    private async Task FlushAsync(ArrayBufferWriter<byte> buffer, bool final)
    {
        if (destination is null || WriteFailure is not null || (buffer.WrittenCount == 0 && !final))
        {
            buffer.ResetWrittenCount();
            return;
        }

        try
        {
            await destination!.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
            if (final)
            {
                await destination.FlushAsync().ConfigureAwait(false);
            }

            Interlocked.Add(ref written, pendingLines);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            WriteFailure = exception;
            Interlocked.Add(ref dropped, pendingLines);
        }

        pendingLines = 0;
        buffer.ResetWrittenCount();
    }
}
