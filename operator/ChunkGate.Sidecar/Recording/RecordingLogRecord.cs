using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// One recording line as the state of a log record (category <see cref="Category"/>): the body is
/// the line itself (already masked), the attributes name the event, session and statement, and
/// <c>trace_id</c>/<c>span_id</c> carry the statement's span or the run's trace, which
/// <see cref="RecordingTraceContextProcessor"/> moves into the OTLP record's own trace fields
/// (the writer task has no current span of its own).
/// </summary>
internal sealed class RecordingLogRecord(string line, string eventName, long session, long? statement, ActivityContext trace)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>The logger category of recording records: exported over OTLP, never printed to the console.</summary>
    public const string Category = "ChunkGate.Sidecar.Recording";

    public const string TraceIdAttribute = "trace_id";
    public const string SpanIdAttribute = "span_id";

    public static readonly EventId EventId = new(1, "chunkgate.recording");

    public static readonly Func<RecordingLogRecord, Exception?, string> Format = static (record, _) => record.Line;

    private readonly KeyValuePair<string, object?>[] attributes = Attributes(line, eventName, session, statement, trace);

    public string Line => line;

    public int Count => attributes.Length;

    public KeyValuePair<string, object?> this[int index] => attributes[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)attributes).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static KeyValuePair<string, object?>[] Attributes(string line, string eventName, long session, long? statement, ActivityContext trace)
    {
        var list = new List<KeyValuePair<string, object?>>(6)
        {
            new("chunkgate.recording.event", eventName),
            new("chunkgate.session.id", session),
        };
        if (statement is { } id)
        {
            list.Add(new("chunkgate.statement.id", id));
        }

        if (trace != default)
        {
            list.Add(new(TraceIdAttribute, trace.TraceId.ToHexString()));
            list.Add(new(SpanIdAttribute, trace.SpanId.ToHexString()));
        }

        // The message template convention: exporters use it as the body when no formatted message is kept.
        list.Add(new("{OriginalFormat}", line));
        return [.. list];
    }
}
