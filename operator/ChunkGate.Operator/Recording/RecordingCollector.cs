using System.Globalization;
using System.Text;

namespace ChunkGate.Operator.Recording;

/// <summary>
/// The run's session recording as kept after its Pods are gone: the sidecar's recording lines (JSON
/// objects, already masked by the sidecar) out of its container log, which also holds the
/// sidecar's operational log lines. Pure and bounded: each shard gets an equal share of
/// <c>maxBytes</c>; what does not fit is left out and a marker line says how much.
/// </summary>
public static class RecordingCollector
{
    /// <summary>Every recording line starts so (ChunkGate.Sidecar's RecordingLineWriter writes the time first).</summary>
    private static readonly byte[] RecordingLineStart = "{\"time\":"u8.ToArray();

    public static bool IsRecordingLine(ReadOnlySpan<byte> line) => line.StartsWith(RecordingLineStart);

    /// <param name="shardLines">The recording lines of each shard's sidecar, in log order.</param>
    /// <param name="now">Time of the marker line.</param>
    public static string Collect(IReadOnlyList<IReadOnlyList<string>> shardLines, int maxBytes, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var tagged = shardLines.Count > 1;
        var share = maxBytes / Math.Max(1, shardLines.Count);
        for (var shard = 0; shard < shardLines.Count; shard++)
        {
            var used = 0;
            var dropped = 0;
            foreach (var line in shardLines[shard])
            {
                // With several Pods, session ids repeat across sidecars: each line names its shard.
                var kept = tagged ? "{\"shard\":" + shard.ToString(CultureInfo.InvariantCulture) + "," + line[1..] : line;
                var size = Encoding.UTF8.GetByteCount(kept) + 1;
                if (dropped > 0 || used + size > share - MarkerReserve)
                {
                    dropped++;
                    continue;
                }

                text.Append(kept).Append('\n');
                used += size;
            }

            if (dropped > 0)
            {
                text.Append(Marker(shard, tagged, dropped, now)).Append('\n');
            }
        }

        return text.ToString();
    }

    private const int MarkerReserve = 160;

    private static string Marker(int shard, bool tagged, int dropped, DateTimeOffset now) =>
        "{" + (tagged ? $"\"shard\":{shard.ToString(CultureInfo.InvariantCulture)}," : "")
        + $"\"time\":\"{now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture)}\",\"session\":0,\"event\":\"recording.truncated\","
        + $"\"droppedLines\":{dropped.ToString(CultureInfo.InvariantCulture)}}}";
}
