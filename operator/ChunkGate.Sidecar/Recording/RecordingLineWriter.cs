using System.Text.Json;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Recording;

/// <summary>Serialises one <see cref="RecordingEvent"/> as one JSON object (the line format <see cref="ChunkGate.Recording.Replay"/> reads).</summary>
internal static class RecordingLineWriter
{
    /// <summary>The <c>event</c> field of a line (also the event name of its OTLP log record).</summary>
    public static string EventName(RecordingEvent recordingEvent) => recordingEvent switch
    {
        SessionStartedEvent => "session.start",
        StatementStartedEvent => "statement",
        ColumnsDescribedEvent => "columns",
        StatementCompletedEvent => "statement.end",
        SessionErrorEvent => "error",
        SessionEndedEvent => "session.end",
        _ => throw new ArgumentOutOfRangeException(nameof(recordingEvent), recordingEvent.GetType().Name, "not a recording event"),
    };

    public static void Write(Utf8JsonWriter json, RecordingEvent recordingEvent, StatementTextMasker masker, long droppedSoFar)
    {
        json.WriteStartObject();
        json.WriteString("time", recordingEvent.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("session", recordingEvent.Session);
        switch (recordingEvent)
        {
            case SessionStartedEvent started:
                json.WriteString("event", EventName(recordingEvent));
                WriteOptional(json, "user", started.Info.User);
                WriteOptional(json, "database", started.Info.Database);
                WriteOptional(json, "action", started.Info.Action);
                WriteOptional(json, "client", started.Info.Client);
                if (started.Info.ExpiresAt is { } expiresAt)
                {
                    json.WriteString("expiresAt", expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", System.Globalization.CultureInfo.InvariantCulture));
                }

                WriteOptional(json, "traceId", started.Info.TraceId);
                break;
            case StatementStartedEvent statement:
                json.WriteString("event", EventName(recordingEvent));
                json.WriteNumber("id", statement.Id);
                json.WriteString("protocol", RecordingNames.Of(statement.Protocol));
                json.WriteString("text", masker.Mask(statement.Text));
                json.WriteStartArray("parameters");
                foreach (var parameter in statement.Parameters)
                {
                    json.WriteStartObject();
                    json.WriteString("type", RecordingNames.TypeName(parameter.TypeOid));
                    json.WriteNumber("length", parameter.Length);
                    json.WriteString("format", parameter.IsBinary ? "binary" : "text");
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
            case ColumnsDescribedEvent described:
                json.WriteString("event", EventName(recordingEvent));
                json.WriteNumber("id", described.Id);
                json.WriteStartArray("columns");
                foreach (var column in described.Columns)
                {
                    json.WriteStartObject();
                    json.WriteString("name", column.Name);
                    json.WriteString("type", RecordingNames.TypeName(column.TypeOid));
                    switch (column.Action)
                    {
                        case ColumnAction.Mask:
                            json.WriteString("masking", RecordingNames.Of(column.Strategy));
                            break;
                        case ColumnAction.Scan:
                            json.WriteString("masking", "detectors");
                            break;
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
            case StatementCompletedEvent completed:
                json.WriteString("event", EventName(recordingEvent));
                json.WriteNumber("id", completed.Id);
                json.WriteNumber("durationMs", Math.Round(completed.Duration.TotalMilliseconds, 3));
                WriteOptional(json, "tag", completed.Outcome.CommandTag);
                json.WriteNumber("rows", completed.Outcome.Rows);
                json.WriteNumber("bytes", completed.Outcome.Bytes);
                json.WriteNumber("masked", completed.Outcome.MaskedValues);
                if (completed.Outcome.ErrorCode is not null || completed.Outcome.ErrorMessage is not null)
                {
                    json.WriteStartObject("error");
                    WriteOptional(json, "code", completed.Outcome.ErrorCode);
                    WriteOptional(json, "message", completed.Outcome.ErrorMessage is { } message ? masker.Mask(message) : null);
                    json.WriteEndObject();
                }

                if (completed.Outcome.Refused)
                {
                    json.WriteBoolean("refused", true);
                }

                if (completed.Outcome.Ending != StatementEnding.Completed)
                {
                    json.WriteString("ending", RecordingNames.Of(completed.Outcome.Ending));
                }

                break;
            case SessionErrorEvent error:
                json.WriteString("event", EventName(recordingEvent));
                json.WriteString("code", error.Code);
                json.WriteString("message", masker.Mask(error.Message));
                break;
            case SessionEndedEvent ended:
                json.WriteString("event", EventName(recordingEvent));
                json.WriteString("reason", ended.Reason);
                json.WriteNumber("bytesToClient", ended.BytesToClient);
                json.WriteNumber("bytesToServer", ended.BytesToServer);
                json.WriteNumber("dropped", droppedSoFar);
                break;
        }

        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
