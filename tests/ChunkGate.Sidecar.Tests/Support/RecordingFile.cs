using System.Text.Json;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>One recorded statement with the <c>statement.end</c> lines that closed it, read back from a recording file.</summary>
internal sealed record RecordedStatementLines(long Id, string Protocol, string Text, IReadOnlyList<JsonElement> Parameters, IReadOnlyList<JsonElement> Ends)
{
    public JsonElement End => Ends.Should().ContainSingle($"statement #{Id} ({Text}) is closed exactly once").Subject;

    public string? Tag => End.TryGetProperty("tag", out var tag) ? tag.GetString() : null;

    public string? Ending => End.TryGetProperty("ending", out var ending) ? ending.GetString() : null;

    public string? ErrorCode => End.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;

    public long Rows => End.GetProperty("rows").GetInt64();

    /// <summary>(type, length, format) of each parameter.</summary>
    public IEnumerable<(string Type, int Length, string Format)> Shapes =>
        Parameters.Select(p => (p.GetProperty("type").GetString()!, p.GetProperty("length").GetInt32(), p.GetProperty("format").GetString()!));
}

/// <summary>Reads a recording (JSON lines) for assertions.</summary>
internal static class RecordingFile
{
    public static async Task<List<JsonElement>> ReadAsync(string path) =>
        (await File.ReadAllLinesAsync(path)).Where(line => line.Length > 0).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    /// <summary>The statements of one session (the last in the file by default), in the order they were sent.</summary>
    public static List<RecordedStatementLines> Statements(IReadOnlyList<JsonElement> lines, long? of = null)
    {
        var session = of ?? LastSession(lines);
        var mine = lines.Where(l => l.GetProperty("session").GetInt64() == session).ToList();
        return mine.Where(l => l.GetProperty("event").GetString() == "statement").Select(s =>
        {
            var id = s.GetProperty("id").GetInt64();
            return new RecordedStatementLines(
                id,
                s.GetProperty("protocol").GetString()!,
                s.GetProperty("text").GetString()!,
                s.GetProperty("parameters").EnumerateArray().ToList(),
                mine.Where(l => l.GetProperty("event").GetString() == "statement.end" && l.GetProperty("id").GetInt64() == id).ToList());
        }).ToList();
    }

    /// <summary>The session.end line of the last session.</summary>
    public static JsonElement SessionEnd(IReadOnlyList<JsonElement> lines)
    {
        var session = LastSession(lines);
        return lines.Should().ContainSingle(l => l.GetProperty("session").GetInt64() == session && l.GetProperty("event").GetString() == "session.end").Subject;
    }

    /// <summary>Waits (up to 10 s) until the recording holds a line with this <c>event</c>: it is written asynchronously.</summary>
    public static Task WaitForEventAsync(string path, string eventName) => Eventually.TrueAsync(
        async () => File.Exists(path) && (await ReadAsync(path)).Any(line => line.GetProperty("event").GetString() == eventName),
        $"{path} holds a {eventName} line");

    public static long LastSession(IReadOnlyList<JsonElement> lines) =>
        lines.Where(l => l.GetProperty("event").GetString() == "session.start").Select(l => l.GetProperty("session").GetInt64()).Max();
}
