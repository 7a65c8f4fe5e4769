using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// Puts a recording record's <c>trace_id</c>/<c>span_id</c> attributes into the record's trace
/// fields and drops them from the attributes, so an OTLP backend shows each recorded statement
/// under its statement span, and session events under the run's trace. Register it before the
/// exporter. Other records pass untouched.
/// </summary>
internal sealed class RecordingTraceContextProcessor : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord data)
    {
        if (data.CategoryName != RecordingLogRecord.Category || data.Attributes is not { } attributes)
        {
            return;
        }

        string? traceId = null;
        string? spanId = null;
        var kept = new List<KeyValuePair<string, object?>>(attributes.Count);
        foreach (var attribute in attributes)
        {
            switch (attribute.Key)
            {
                case RecordingLogRecord.TraceIdAttribute:
                    traceId = attribute.Value as string;
                    break;
                case RecordingLogRecord.SpanIdAttribute:
                    spanId = attribute.Value as string;
                    break;
                default:
                    kept.Add(attribute);
                    break;
            }
        }

        if (traceId is { Length: 32 } && spanId is { Length: 16 })
        {
            data.TraceId = ActivityTraceId.CreateFromString(traceId);
            data.SpanId = ActivitySpanId.CreateFromString(spanId);
            data.Attributes = kept;
        }
    }
}
