using ChunkGate.Runner.Chunks;
using ChunkGate.Runner.Configuration;

namespace ChunkGate.Runner.Tests.Chunks;

public sealed class ChunkGridTests
{
    [TestCase(1, 1, 10, 1)]
    [TestCase(1, 10, 10, 1)]
    [TestCase(1, 11, 10, 2)]
    [TestCase(-7, 10_050, 25, 403)]
    [TestCase(long.MinValue, long.MinValue + 5, 3, 2)]
    public void Over_CountsTheChunksOfTheContract(long min, long max, long size, long total)
    {
        var (grid, error) = ChunkGrid.Over(min, max, size);

        error.Should().BeNull();
        grid!.Total.Should().Be(total, "floor((max-min)/size)+1");
        grid.Bounds(0).Should().Be((min, min + size));
        grid.Bounds(total - 1).To.Should().BeGreaterThan(max);
    }

    [Test]
    public void Over_RefusesARangeWhoseLastUpperBoundIsNotABigint()
    {
        var (grid, error) = ChunkGrid.Over(long.MaxValue - 10, long.MaxValue, 5);

        grid.Should().BeNull();
        error.Should().Contain("bigint maximum");
    }

    [TestCase(10, 3, new long[] { 4, 3, 3 })]
    [TestCase(2, 3, new long[] { 1, 1, 0 })]
    [TestCase(0, 2, new long[] { 0, 0 })]
    public void OwnedBy_SplitsTheChunksWithoutGapOrOverlap(long total, int shards, long[] owned)
    {
        var grid = ChunkGrid.Over(0, (total * 10) - 1, 10).Grid ?? ChunkGrid.Empty(10);

        Enumerable.Range(0, shards).Select(shard => grid.OwnedBy(shard, shards)).Should().Equal(total == 0 ? owned : owned);
    }
}

public sealed class ChunkWalkTests
{
    [Test]
    public void Walk_SkipsDoneChunks_AndProbesOncePerEmptyStretch()
    {
        // Keys 5 and 95 in chunks of 10 from 0: chunks 1..8 are empty.
        var grid = ChunkGrid.Over(0, 95, 10).Grid!;
        var walk = new ChunkWalk(grid, 0, 1, DoneChunks.Parse("0").Chunks!);
        var probes = new List<long>();
        var steps = new List<(long Index, bool Empty)>();

        while (walk.Next() is { } chunk)
        {
            if (walk.NeedsProbe(chunk))
            {
                probes.Add(chunk.From);
                walk.Probed(chunk.From <= 95 ? 95 : null);
            }

            steps.Add((chunk.Index, walk.IsEmpty(chunk)));
        }

        steps.Select(step => step.Index).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8, 9);
        steps.Where(step => step.Empty).Select(step => step.Index).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8);
        probes.Should().Equal([10L], "one probe found key 95 and so every chunk up to its chunk empty");
    }

    [Test]
    public void Walk_OfAShard_VisitsOnlyItsChunks_AndEndsAfterTheLastKey()
    {
        var grid = ChunkGrid.Over(0, 99, 10).Grid!;
        var walk = new ChunkWalk(grid, 1, 3, DoneChunks.None);
        var visited = new List<long>();

        while (walk.Next() is { } chunk)
        {
            if (walk.NeedsProbe(chunk))
            {
                walk.Probed(chunk.From < 40 ? chunk.From : null);
            }

            visited.Add(chunk.Index);
            if (chunk.Index >= 4)
            {
                walk.IsEmpty(chunk).Should().BeTrue("no key at or above 40");
            }
        }

        visited.Should().Equal(1, 4, 7);
    }
}
