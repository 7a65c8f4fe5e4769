using System.Text;
using System.Text.Json;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>
/// A finished runner: exit code, standard output split into records (lines starting with 0x1E)
/// and row lines, standard error. <see cref="CommittedRows"/> reads standard output the way a
/// consumer must: rows belong to the chunk record that follows them; rows followed by a
/// <c>failed</c> record (or by nothing) belong to no chunk.
/// </summary>
internal sealed class RunnerResult(int exitCode, byte[] output, string error)
{
    public int ExitCode { get; } = exitCode;

    public byte[] Output { get; } = output;

    public string Error { get; } = error;

    public string Text => Encoding.UTF8.GetString(Output);

    /// <summary>Every line of standard output, split on LF only (as a container log is).</summary>
    public IReadOnlyList<string> Lines => Text.Split('\n')[..^1];

    public IReadOnlyList<JsonElement> Records =>
        [.. Lines.Where(line => line.StartsWith('\x1e')).Select(line => JsonDocument.Parse(line[1..]).RootElement)];

    public IReadOnlyList<JsonElement> RecordsOf(string kind) =>
        [.. Records.Where(record => record.GetProperty("chunkgate").GetString() == kind)];

    public IReadOnlyList<long> ChunkIndices => [.. RecordsOf("chunk").Select(record => record.GetProperty("index").GetInt64())];

    /// <summary>Data lines (CSV rows without embedded line breaks, or JSON lines) attributed to a chunk record, header excluded.</summary>
    public IReadOnlyList<string> CommittedRows(bool csvHeader = true)
    {
        var rows = new List<string>();
        var pending = new List<string>();
        var headerSeen = !csvHeader;
        foreach (var line in Lines)
        {
            if (!line.StartsWith('\x1e'))
            {
                if (!headerSeen)
                {
                    headerSeen = true;
                    continue;
                }

                pending.Add(line.TrimEnd('\r'));
                continue;
            }

            var kind = JsonDocument.Parse(line[1..]).RootElement.GetProperty("chunkgate").GetString();
            if (kind == "chunk")
            {
                rows.AddRange(pending);
            }

            pending.Clear();
        }

        return rows;
    }

    public override string ToString() => $"exit {ExitCode}; stderr: {Error}; stdout: {Text[..Math.Min(Text.Length, 2000)]}";
}
