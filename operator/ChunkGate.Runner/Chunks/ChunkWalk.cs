using ChunkGate.Runner.Configuration;

namespace ChunkGate.Runner.Chunks;

/// <summary>
/// One shard's way through the grid: its chunks in order, minus those a checkpoint lists as done.
/// Before a chunk whose emptiness is unknown the runner asks for the next key at or above the
/// chunk's lower bound (one index probe) and tells the walk (<see cref="Probed"/>); every chunk below
/// the one holding that key is empty and reported without running the statement, so a sparse key
/// range costs one probe per stretch of empty chunks, not one statement per chunk.
/// </summary>
internal sealed class ChunkWalk(ChunkGrid grid, int shard, int shards, DoneChunks done)
{
    private long index = shard - shards;

    // The lowest chunk known to hold a key; chunks from the last probe up to it are empty.
    private long nextNonEmpty = -1;

    /// <summary>Owned chunks passed over so far because the checkpoint lists them as done.</summary>
    public long SkippedDone { get; private set; }

    /// <summary>The next owned chunk not done yet; null when there is none.</summary>
    public Chunk? Next()
    {
        index += shards;
        while (index < grid.Total && done.Contains(index))
        {
            SkippedDone++;
            index += shards;
        }

        if (index >= grid.Total)
        {
            return null;
        }

        var (from, to) = grid.Bounds(index);
        return new Chunk(index, from, to);
    }

    /// <summary>Whether the runner must probe for the next key before deciding about <paramref name="chunk"/>.</summary>
    public bool NeedsProbe(Chunk chunk) => nextNonEmpty < chunk.Index;

    /// <summary>The lowest key at or above a chunk's lower bound; null when there is none.</summary>
    public void Probed(long? key) => nextNonEmpty = key is { } found && found >= grid.Min ? Math.Min(grid.IndexOf(found), grid.Total) : grid.Total;

    /// <summary>True when the last probe showed no key in <paramref name="chunk"/>.</summary>
    public bool IsEmpty(Chunk chunk) => nextNonEmpty > chunk.Index;
}

internal readonly record struct Chunk(long Index, long From, long To);
