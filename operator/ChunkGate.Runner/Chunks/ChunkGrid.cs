namespace ChunkGate.Runner.Chunks;

/// <summary>
/// The aligned chunk grid of the run contract: chunk <c>i</c> is
/// <c>[min + i*size, min + (i+1)*size)</c>, <c>floor((max-min)/size)+1</c> chunks (none for an empty
/// table), and shard <c>s</c> of <c>n</c> owns the chunks with <c>i % n == s</c>. Every shard computes
/// the same grid from the same min/max, so the shards' chunks are disjoint and cover the range.
/// </summary>
internal sealed class ChunkGrid
{
    private ChunkGrid(long min, long size, long total)
    {
        Min = min;
        Size = size;
        Total = total;
    }

    public long Min { get; }

    public long Size { get; }

    public long Total { get; }

    public static ChunkGrid Empty(long size) => new(0, size, 0);

    /// <summary>The grid over <paramref name="min"/>..<paramref name="max"/>; null with the reason when its last upper bound is not a bigint.</summary>
    public static (ChunkGrid? Grid, string? Error) Over(long min, long max, long size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (max < min)
        {
            return (null, $"max key {max} is below min key {min}");
        }

        var total = ((Int128)max - min) / size + 1;
        if ((Int128)min + (total * size) > long.MaxValue)
        {
            // $2 of the last chunk would be past the bigint range, so it cannot be bound.
            return (null, $"the key range ends within chunkSize ({size}) of the bigint maximum; the last chunk's upper bound cannot be bound as $2");
        }

        return (new ChunkGrid(min, size, (long)total), null);
    }

    public (long From, long To) Bounds(long index) => (Min + (index * Size), Min + ((index + 1) * Size));

    /// <summary>The chunk holding <paramref name="key"/> (a key at or above <see cref="Min"/>).</summary>
    public long IndexOf(long key) => (long)(((Int128)key - Min) / Size);

    /// <summary>How many chunks shard <paramref name="shard"/> of <paramref name="shards"/> owns.</summary>
    public long OwnedBy(int shard, int shards) => Total <= shard ? 0 : ((Total - 1 - shard) / shards) + 1;
}
