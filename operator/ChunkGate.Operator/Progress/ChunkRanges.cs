using System.Globalization;
using System.Text;

namespace ChunkGate.Operator.Progress;

/// <summary>
/// A set of chunk indices as sorted, disjoint, inclusive ranges, written compressed
/// (<c>0-16,18,20-39</c>) in <c>status.checkpoint.done</c> and <c>CHUNKGATE_DONE_CHUNKS</c>.
/// Parsing is strict and bounded: anything malformed gives the empty set (every chunk is redone,
/// which is safe: chunks are idempotent); formatting stops before the length bound (the ranges
/// left out are redone).
/// </summary>
public sealed class ChunkRanges
{
    /// <summary>No chunk index reaches this (a key range of 2^63 over a chunk size of 1 still fits below it).</summary>
    public const long MaxIndex = long.MaxValue - 1;

    private readonly List<(long First, long Last)> ranges;

    private ChunkRanges(List<(long First, long Last)> ranges) => this.ranges = ranges;

    public static ChunkRanges Empty => new([]);

    public IReadOnlyList<(long First, long Last)> Ranges => ranges;

    public long Count => ranges.Sum(r => r.Last - r.First + 1);

    public bool Contains(long index)
    {
        var lo = 0;
        var hi = ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (index < ranges[mid].First)
            {
                hi = mid - 1;
            }
            else if (index > ranges[mid].Last)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Chunks below <paramref name="total"/> (for a progress count that never passes the total).</summary>
    public long CountBelow(long total) => ranges.Where(r => r.First < total).Sum(r => Math.Min(r.Last, total - 1) - r.First + 1);

    /// <summary>Parses <c>a-b,c,...</c> (ascending, non-overlapping, at most <paramref name="maxLength"/> characters); false and empty on anything else.</summary>
    public static bool TryParse(string? text, int maxLength, out ChunkRanges parsed)
    {
        parsed = Empty;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (text.Length > maxLength)
        {
            return false;
        }

        var result = new List<(long, long)>();
        var previous = -1L;
        foreach (var part in text.Split(','))
        {
            var dash = part.IndexOf('-');
            if (!TryIndex(dash < 0 ? part : part[..dash], out var first)
                || !TryIndex(dash < 0 ? part : part[(dash + 1)..], out var last)
                || last < first
                || first <= previous)
            {
                return false;
            }

            result.Add((first, last));
            previous = last;
        }

        parsed = new ChunkRanges(Merge(result));
        return true;
    }

    /// <summary>This set and the given indices.</summary>
    public ChunkRanges With(IEnumerable<long> indices)
    {
        var all = new List<(long, long)>(ranges);
        all.AddRange(indices.Where(i => i is >= 0 and <= MaxIndex).Select(i => (i, i)));
        all.Sort();
        return new ChunkRanges(Merge(all));
    }

    /// <summary>The compressed form, cut at a range boundary before <paramref name="maxLength"/> characters.</summary>
    public string Format(int maxLength)
    {
        var text = new StringBuilder();
        foreach (var (first, last) in ranges)
        {
            var item = first == last
                ? first.ToString(CultureInfo.InvariantCulture)
                : $"{first.ToString(CultureInfo.InvariantCulture)}-{last.ToString(CultureInfo.InvariantCulture)}";
            if (text.Length + item.Length + (text.Length > 0 ? 1 : 0) > maxLength)
            {
                break;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(item);
        }

        return text.ToString();
    }

    private static bool TryIndex(string text, out long index)
    {
        index = 0;
        return text.Length is > 0 and <= 19
            && (text.Length == 1 || text[0] != '0')
            && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && index <= MaxIndex;
    }

    /// <summary>Merges sorted ranges that overlap or touch.</summary>
    private static List<(long First, long Last)> Merge(List<(long First, long Last)> sorted)
    {
        var merged = new List<(long First, long Last)>(sorted.Count);
        foreach (var (first, last) in sorted)
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            }
            else
            {
                merged.Add((first, last));
            }
        }

        return merged;
    }
}
