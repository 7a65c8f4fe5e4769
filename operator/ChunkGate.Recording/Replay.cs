using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ChunkGate.Recording;

/// <summary>
/// Turns a session recording (JSON lines written by the sidecar's <c>SessionRecorder</c>) into a readable
/// timeline, one entry per event with times relative to the first event and the client
/// connection (<c>[n]</c>) it belongs to. Unreadable lines are
/// reported in place and skipped; they never stop the replay.
/// </summary>
public static class Replay
{
    /// <summary>Formats the whole recording; returns the number of events shown.</summary>
    public static int Format(Stream recording, TextWriter output)
    {
        using var reader = new StreamReader(recording, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        DateTimeOffset? origin = null;
        var lineNumber = 0;
        var shown = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                output.WriteLine($"(line {lineNumber}: not a recording event, skipped)");
                continue;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    output.WriteLine($"(line {lineNumber}: not a recording event, skipped)");
                    continue;
                }

                var time = TryTime(root);
                origin ??= time;
                output.Write(Stamp(time, origin));
                output.Write("  ");
                if (root.TryGetProperty("session", out var session) && session.ValueKind == JsonValueKind.Number)
                {
                    output.Write($"[{session.GetRawText()}] ");
                }

                output.WriteLine(Describe(root));
                shown++;
            }
        }

        return shown;
    }

    private static string Describe(JsonElement e)
    {
        var kind = Text(e, "event") ?? "?";
        switch (kind)
        {
            case "session.start":
            {
                var parts = new List<string>();
                Append(parts, "user", Text(e, "user"));
                Append(parts, "database", Text(e, "database"));
                Append(parts, "action", Text(e, "action"));
                Append(parts, "client", Text(e, "client"));
                Append(parts, "expires", Text(e, "expiresAt"));
                Append(parts, "trace", Text(e, "traceId"));
                return "session started" + (parts.Count > 0 ? "  " + string.Join("  ", parts) : string.Empty);
            }

            case "statement":
            {
                var builder = new StringBuilder();
                builder.Append('#').Append(Number(e, "id")).Append(' ').Append(Text(e, "protocol") ?? "?").Append("  ");
                builder.Append(OneLine(Text(e, "text") ?? string.Empty));
                if (e.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Array && parameters.GetArrayLength() > 0)
                {
                    builder.Append("\n              parameters: ");
                    var shapes = parameters.EnumerateArray().Select(p =>
                    {
                        var length = Number(p, "length");
                        return length < 0 ? $"{Text(p, "type")} NULL" : $"{Text(p, "type")}({length} bytes{(Text(p, "format") == "binary" ? ", binary" : string.Empty)})";
                    });
                    builder.Append(string.Join(", ", shapes));
                }

                return builder.ToString();
            }

            case "columns":
            {
                var columns = e.TryGetProperty("columns", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Select(c => Text(c, "masking") is { } masking ? $"{Text(c, "name")} [{masking}]" : Text(c, "name") ?? "?")
                    : [];
                return $"#{Number(e, "id")} columns: {string.Join(", ", columns)}";
            }

            case "statement.end":
            {
                var builder = new StringBuilder();
                builder.Append('#').Append(Number(e, "id"));
                var refused = e.TryGetProperty("refused", out var r) && r.ValueKind == JsonValueKind.True;
                if (e.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                {
                    builder.Append(refused ? " REFUSED " : " FAILED ");
                    builder.Append(Text(error, "code")).Append(": ").Append(OneLine(Text(error, "message") ?? string.Empty));
                }
                else
                {
                    builder.Append(Text(e, "ending") switch
                    {
                        "empty" => " empty query",
                        "suspended" => " suspended at the row limit (a later Execute continues the portal)",
                        "skipped" => " SKIPPED: not run, after an earlier error in the pipeline",
                        "unanswered" => " UNANSWERED: the session ended first; whether it ran is not known",
                        _ => " done: " + (Text(e, "tag") ?? "(no tag)"),
                    });
                }

                builder.Append(CultureInfo.InvariantCulture, $"  · {Decimal(e, "durationMs"):0.###} ms · {Number(e, "rows")} rows · {Bytes(Number(e, "bytes"))} · {Number(e, "masked")} masked");
                return builder.ToString();
            }

            case "error":
                return $"session error {Text(e, "code")}: {OneLine(Text(e, "message") ?? string.Empty)}";
            case "session.end":
            {
                var dropped = Number(e, "dropped");
                return $"session ended: {Text(e, "reason")}  · {Bytes(Number(e, "bytesToClient"))} to client · {Bytes(Number(e, "bytesToServer"))} to server"
                    + (dropped > 0 ? $" · {dropped} recording events DROPPED" : string.Empty);
            }

            default:
                return $"{kind} (unknown event)";
        }
    }

    private static string Stamp(DateTimeOffset? time, DateTimeOffset? origin)
    {
        if (time is null)
        {
            return "??:??:??.???  (+?)     ";
        }

        var offset = origin is null ? TimeSpan.Zero : time.Value - origin.Value;
        return string.Create(CultureInfo.InvariantCulture, $"{time.Value.UtcDateTime:HH:mm:ss.fff}  (+{offset.TotalSeconds,8:0.000}s)");
    }

    private static DateTimeOffset? TryTime(JsonElement e) =>
        Text(e, "time") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;

    private static double Decimal(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;

    private static void Append(List<string> parts, string name, string? value)
    {
        if (value is not null)
        {
            parts.Add($"{name}={value}");
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0} MB"),
    };
}
