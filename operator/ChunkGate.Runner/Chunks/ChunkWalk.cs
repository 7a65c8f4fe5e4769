using ChunkGate.Runner.Configuration;

namespace ChunkGate.Runner.Chunks;

/// <summary>
/// One shard's way through the grid: its chunks in order, minus those a checkpoint lists as done.
/// Before a chunk whose emptiness is unknown the runner asks, in one query, for the next key at or
/// above the lower bound of that chunk and of the owned chunks after it (<see cref="ProbeBounds"/>,
/// one index probe each), and tells the walk (<see cref="Probed"/>). A chunk holds a key exactly when
/// its own probe lands in it; every chunk between a probe's bound and the chunk its key lands in is
/// empty and reported without running the statement. So a sparse key range costs at most one query
/// per stretch of empty chunks, and a dense one a query per <see cref="ProbeBatch"/> chunks, not one
/// per chunk (a round trip that stalled the database, the sidecar and the runner before every chunk).
/// </summary>
internal sealed class ChunkWalk(ChunkGrid grid, int shard, int shards, DoneChunks done)
{
    /// <summary>The most chunks one probe query asks about.</summary>
    public const int ProbeBatch = 32;

    private readonly HashSet<long> holdingKeys = [];
    private long index = shard - shards;

    // Whether chunks up to here hold a key is known: those in holdingKeys do, the others do not.
    private long knownThrough = -1;

    /// <summary>Owned chunks passed over so far because the checkpoint lists them as done.</summary>
    public long SkippedDone { get; private set; }

    /// <summary>The next owned chunk not done yet; null when there is none.</summary>
    public Chunk? Next()
    {
        index = NextOwned(index);
        if (index >= grid.Total)
        {
            return null;
        }

        var (from, to) = grid.Bounds(index);
        return new Chunk(index, from, to);
    }

    /// <summary>Whether the runner must probe before deciding about <paramref name="chunk"/>.</summary>
    public bool NeedsProbe(Chunk chunk) => chunk.Index > knownThrough;

    /// <summary>The lower bounds to probe: <paramref name="chunk"/>'s and those of the owned, not done chunks after it, at most <see cref="ProbeBatch"/>.</summary>
    public IReadOnlyList<long> ProbeBounds(Chunk chunk)
    {
        var bounds = new List<long> { chunk.From };
        for (var next = NextOwned(chunk.Index, count: false); next < grid.Total && bounds.Count < ProbeBatch; next = NextOwned(next, count: false))
        {
            bounds.Add(grid.Bounds(next).From);
        }

        return bounds;
    }

    /// <summary>
    /// The lowest key at or above each bound of <see cref="ProbeBounds"/>, in its order (null: none).
    /// What they say holds up to the chunk of the last key (or the grid's end when there is none).
    /// </summary>
    public void Probed(IReadOnlyList<long?> keys)
    {
        if (keys.Count == 0)
        {
            throw new ArgumentException("a probe answers at least one bound", nameof(keys));
        }

        holdingKeys.Clear();
        foreach (var key in keys)
        {
            var chunk = ChunkOf(key);
            if (chunk < grid.Total)
            {
                holdingKeys.Add(chunk);
            }
        }

        knownThrough = Math.Max(ChunkOf(keys[^1]), index);
    }

    /// <summary>True when the last probe showed no key in <paramref name="chunk"/>.</summary>
    public bool IsEmpty(Chunk chunk) => chunk.Index <= knownThrough && !holdingKeys.Contains(chunk.Index);

    private long ChunkOf(long? key) => key is { } found && found >= grid.Min ? Math.Min(grid.IndexOf(found), grid.Total) : grid.Total;

    private long NextOwned(long after, bool count = true)
    {
        var next = after + shards;
        while (next < grid.Total && done.Contains(next))
        {
            if (count)
            {
                SkippedDone++;
            }

            next += shards;
        }

        return next;
    }
}

internal readonly record struct Chunk(long Index, long From, long To);
