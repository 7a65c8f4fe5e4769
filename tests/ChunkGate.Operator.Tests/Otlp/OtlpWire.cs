namespace ChunkGate.Operator.Tests.Otlp;

/// <summary>
/// Just enough of the protobuf wire format to read OTLP/HTTP export requests
/// (opentelemetry-proto, <c>collector/*/v1</c>): spans, metric names and log records. The exporter
/// is the real one; reading its bytes by field number keeps the test free of generated code.
/// </summary>
internal static class OtlpWire
{
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name);

    /// <param name="Attributes">String-valued attributes (an ILogger record's named values, e.g. Reason).</param>
    public sealed record LogRecord(string TraceId, string Body, IReadOnlyDictionary<string, string> Attributes);

    /// <summary>ExportTraceServiceRequest: resource_spans(1) → scope_spans(2) → spans(2) → trace_id(1), span_id(2), parent_span_id(4), name(5).</summary>
    public static IEnumerable<Span> Spans(byte[] request) =>
        from resource in Messages(request, 1)
        from scope in Messages(resource, 2)
        from span in Messages(scope, 2)
        select new Span(Hex(Bytes(span, 1)), Hex(Bytes(span, 2)), Hex(Bytes(span, 4)), Text(Bytes(span, 5)));

    /// <summary>ExportMetricsServiceRequest: resource_metrics(1) → scope_metrics(2) → metrics(2) → name(1).</summary>
    public static IEnumerable<string> MetricNames(byte[] request) =>
        from resource in Messages(request, 1)
        from scope in Messages(resource, 2)
        from metric in Messages(scope, 2)
        select Text(Bytes(metric, 1));

    /// <summary>
    /// ExportLogsServiceRequest: resource_logs(1) → scope_logs(2) → log_records(2) → body(5) AnyValue.string_value(1),
    /// attributes(6) KeyValue key(1) value(2) AnyValue.string_value(1), trace_id(9).
    /// </summary>
    public static IEnumerable<LogRecord> LogRecords(byte[] request) =>
        from resource in Messages(request, 1)
        from scope in Messages(resource, 2)
        from record in Messages(scope, 2)
        select new LogRecord(Hex(Bytes(record, 9)), Text(Bytes(Bytes(record, 5), 1)),
            Messages(record, 6).GroupBy(pair => Text(Bytes(pair, 1))).ToDictionary(same => same.Key, same => Text(Bytes(Bytes(same.Last(), 2), 1))));

    private static IEnumerable<byte[]> Messages(byte[] message, int field) =>
        Fields(message).Where(f => f.Number == field && f.Payload is not null).Select(f => f.Payload!);

    private static byte[] Bytes(byte[] message, int field) =>
        Fields(message).LastOrDefault(f => f.Number == field && f.Payload is not null).Payload ?? [];

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>Each field of a message: its number and, for length-delimited fields, its bytes (other wire types are skipped).</summary>
    private static List<(int Number, byte[]? Payload)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[]?)>();
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    Varint(message, ref position);
                    fields.Add((number, null));
                    break;
                case 1:
                    position += 8;
                    fields.Add((number, null));
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    if (length < 0 || position + length > message.Length)
                    {
                        throw new FormatException($"field {number}: length {length} runs past the message");
                    }

                    fields.Add((number, message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    fields.Add((number, null));
                    break;
                default:
                    throw new FormatException($"field {number}: unsupported wire type {key & 7}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new FormatException("a varint runs past the message");
            }

            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("a varint is longer than 10 bytes");
    }
}
