using System.Diagnostics;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Recording;

/// <summary>One line of the recording, queued by the data path and written by the recorder's writer task.</summary>
/// <param name="Time">When it happened.</param>
/// <param name="Session">The client connection it belongs to (<see cref="RecordingSession.Id"/>).</param>
internal abstract record RecordingEvent(DateTimeOffset Time, long Session);

internal sealed record SessionStartedEvent(DateTimeOffset Time, long Session, SessionInfo Info) : RecordingEvent(Time, Session);

/// <summary>Text is the raw statement: the writer task masks it, off the data path. Span is the statement's span (default when none is recorded).</summary>
internal sealed record StatementStartedEvent(DateTimeOffset Time, long Session, long Id, StatementProtocol Protocol, string Text, ParameterShape[] Parameters, ActivityContext Span = default) : RecordingEvent(Time, Session);

internal sealed record ColumnsDescribedEvent(DateTimeOffset Time, long Session, long Id, RecordedColumn[] Columns) : RecordingEvent(Time, Session);

internal sealed record StatementCompletedEvent(DateTimeOffset Time, long Session, long Id, TimeSpan Duration, StatementOutcome Outcome) : RecordingEvent(Time, Session);

/// <summary>A session-level problem (not tied to one statement); Message is masked by the writer.</summary>
internal sealed record SessionErrorEvent(DateTimeOffset Time, long Session, string Code, string Message) : RecordingEvent(Time, Session);

internal sealed record SessionEndedEvent(DateTimeOffset Time, long Session, string Reason, long BytesToClient, long BytesToServer) : RecordingEvent(Time, Session);

internal static class RecordingNames
{
    public static string Of(MaskingStrategy strategy) => strategy switch
    {
        MaskingStrategy.Redact => "redact",
        MaskingStrategy.Last4 => "last4",
        MaskingStrategy.Hash => "hash",
        MaskingStrategy.Null => "null",
        _ => "none",
    };

    public static string Of(StatementEnding ending) => ending switch
    {
        StatementEnding.Empty => "empty",
        StatementEnding.Suspended => "suspended",
        StatementEnding.Skipped => "skipped",
        StatementEnding.Unanswered => "unanswered",
        _ => "completed",
    };

    public static string Of(StatementProtocol protocol) => protocol switch
    {
        StatementProtocol.Simple => "simple",
        StatementProtocol.Extended => "extended",
        _ => "copy",
    };

    public static string TypeName(uint oid) => oid switch
    {
        0 => "unspecified",
        PgTypeOid.Bool => "bool",
        PgTypeOid.Bytea => "bytea",
        PgTypeOid.Name => "name",
        PgTypeOid.Int8 => "int8",
        PgTypeOid.Int2 => "int2",
        PgTypeOid.Int4 => "int4",
        PgTypeOid.Text => "text",
        PgTypeOid.Oid => "oid",
        PgTypeOid.Json => "json",
        PgTypeOid.Float4 => "float4",
        PgTypeOid.Float8 => "float8",
        PgTypeOid.Bpchar => "bpchar",
        PgTypeOid.Varchar => "varchar",
        PgTypeOid.Date => "date",
        PgTypeOid.Time => "time",
        PgTypeOid.Timestamp => "timestamp",
        PgTypeOid.Timestamptz => "timestamptz",
        PgTypeOid.Interval => "interval",
        PgTypeOid.Numeric => "numeric",
        PgTypeOid.Uuid => "uuid",
        PgTypeOid.Jsonb => "jsonb",
        _ => oid.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
