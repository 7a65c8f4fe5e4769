using System.Globalization;

namespace ChunkGate.Runner.Configuration;

/// <summary>
/// The chunk indices a checkpoint holds, as the operator writes them: <c>0-16,18,20-39</c>
/// (ascending or not, overlapping or not). Kept as sorted, merged ranges so a lookup is a binary search.
/// </summary>
internal sealed class DoneChunks
{
    private readonly (long First, long Last)[] ranges;

    private DoneChunks((long First, long Last)[] ranges) => this.ranges = ranges;

    public static DoneChunks None { get; } = new([]);

    public int RangeCount => ranges.Length;

    public bool Contains(long index)
    {
        int low = 0, high = ranges.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (index < ranges[middle].First)
            {
                high = middle - 1;
            }
            else if (index > ranges[middle].Last)
            {
                low = middle + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses the list; null and the reason when it is not one.</summary>
    public static (DoneChunks? Chunks, string? Error) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (None, null);
        }

        var parsed = new List<(long First, long Last)>();
        foreach (var part in text.Split(','))
        {
            var item = part.Trim();
            var dash = item.Length > 1 ? item.IndexOf('-', 1) : -1;
            var first = dash < 0 ? item : item[..dash];
            var last = dash < 0 ? item : item[(dash + 1)..];
            if (!TryIndex(first, out var from) || !TryIndex(last, out var to) || to < from)
            {
                return (null, $"\"{item}\" is not a chunk index or range (e.g. 0-16,18,20-39)");
            }

            parsed.Add((from, to));
        }

        parsed.Sort();
        var merged = new List<(long First, long Last)>(parsed.Count);
        foreach (var range in parsed)
        {
            if (merged.Count > 0 && range.First <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, range.Last));
            }
            else
            {
                merged.Add(range);
            }
        }

        return (new DoneChunks([.. merged]), null);
    }

    private static bool TryIndex(string text, out long index) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index);
}
