using System.Diagnostics;

namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// The recording of one client connection, handed out by <see cref="SessionRecorder.StartSession"/>.
/// Every method only enqueues (never blocks, never throws for I/O); safe to call from any thread.
/// </summary>
internal sealed class RecordingSession
{
    private readonly SessionRecorder recorder;

    internal RecordingSession(SessionRecorder recorder, long id)
    {
        this.recorder = recorder;
        Id = id;
    }

    public long Id { get; }

    /// <summary>See <see cref="SessionRecorder.RoomAsync"/>.</summary>
    public ValueTask RoomAsync() => recorder.RoomAsync();

    /// <summary>
    /// Records a statement the client sent (raw text; it is masked later, off the data path) and
    /// returns the handle to complete it with. Parameters are copied as shapes only.
    /// </summary>
    public RecordedStatement StatementStarted(string text, StatementProtocol protocol, ReadOnlySpan<ParameterShape> parameters = default, ActivityContext span = default)
    {
        var statement = new RecordedStatement(recorder.NextStatementId(), recorder.Time.GetTimestamp());
        recorder.Enqueue(new StatementStartedEvent(recorder.Time.GetUtcNow(), Id, statement.Id, protocol, text, parameters.ToArray(), span));
        return statement;
    }

    /// <summary>Records the result columns of a statement (once per RowDescription).</summary>
    public void ColumnsDescribed(RecordedStatement statement, ReadOnlySpan<RecordedColumn> columns)
    {
        if (statement.Id != 0)
        {
            recorder.Enqueue(new ColumnsDescribedEvent(recorder.Time.GetUtcNow(), Id, statement.Id, columns.ToArray()));
        }
    }

    public void StatementCompleted(RecordedStatement statement, in StatementOutcome outcome)
    {
        if (statement.Id != 0)
        {
            recorder.Enqueue(new StatementCompletedEvent(recorder.Time.GetUtcNow(), Id, statement.Id, recorder.Time.GetElapsedTime(statement.StartTimestamp), outcome));
        }
    }

    /// <summary>A connection-level problem (protocol error, upstream failure); the message is masked before it is written.</summary>
    public void Error(string code, string message) =>
        recorder.Enqueue(new SessionErrorEvent(recorder.Time.GetUtcNow(), Id, code, message));

    public void Ended(string reason, long bytesToClient, long bytesToServer) =>
        recorder.Enqueue(new SessionEndedEvent(recorder.Time.GetUtcNow(), Id, reason, bytesToClient, bytesToServer));
}
