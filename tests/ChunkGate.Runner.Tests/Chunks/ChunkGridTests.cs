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
        var (steps, probes) = Walk(new ChunkWalk(grid, 0, 1, DoneChunks.Parse("0").Chunks!), [5, 95]);

        steps.Select(step => step.Index).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8, 9);
        steps.Where(step => step.Empty).Select(step => step.Index).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8);
        probes.Should().HaveCount(1, "one query found key 95 and so every chunk up to its chunk empty");
        probes[0].Should().Equal([10L, 20, 30, 40, 50, 60, 70, 80, 90], "it asks about every owned chunk left, not the done one");
    }

    [Test]
    public void Walk_OfAShard_VisitsOnlyItsChunks_AndEndsAfterTheLastKey()
    {
        var grid = ChunkGrid.Over(0, 99, 10).Grid!;
        var (steps, probes) = Walk(new ChunkWalk(grid, 1, 3, DoneChunks.None), [0, 10, 20, 30, 39, 99]);

        // Keys from 40 on: only 99, in chunk 9, which is shard 0's.
        steps.Should().Equal((1L, false), (4L, true), (7L, true));
        probes.Should().HaveCount(1);
        probes[0].Should().Equal([10L, 40, 70], "the bounds of shard 1's chunks only");
    }

    [Test]
    public void Walk_OverDenseKeys_ProbesOncePerBatch_AndKnowsEachChunkInIt()
    {
        // 100 chunks of 10, every key present except in chunks 40 and 41, and chunk 50 done.
        var grid = ChunkGrid.Over(0, 999, 10).Grid!;
        var keys = Enumerable.Range(0, 1000).Where(key => key / 10 is not (40 or 41)).Select(key => (long)key).ToArray();
        var (steps, probes) = Walk(new ChunkWalk(grid, 0, 1, DoneChunks.Parse("50").Chunks!), keys);

        steps.Should().HaveCount(99);
        steps.Where(step => step.Empty).Select(step => step.Index).Should().Equal(40, 41);
        probes.Select(bounds => bounds.Count).Should().Equal(ChunkWalk.ProbeBatch, ChunkWalk.ProbeBatch, ChunkWalk.ProbeBatch, 3);
        probes.SelectMany(bounds => bounds).Should().OnlyHaveUniqueItems().And.NotContain(500, "chunk 50 is done");
    }

    [Test]
    public void Walk_WhenTheLastProbedKeyLandsFarAhead_SkipsToIt_WithoutAnotherProbe()
    {
        // Chunks 0..2 hold keys, then nothing until chunk 500.
        var grid = ChunkGrid.Over(0, 5_005, 10).Grid!;
        var (steps, probes) = Walk(new ChunkWalk(grid, 0, 1, DoneChunks.None), [1, 11, 21, 5_001, 5_005]);

        steps.Where(step => !step.Empty).Select(step => step.Index).Should().Equal(0, 1, 2, 500);
        steps.Should().HaveCount(501);
        probes.Should().HaveCount(1, "the batch's last bound found key 5001, so chunks 32..499 are known empty as well");
    }

    /// <summary>Walks to the end, answering each probe from <paramref name="keys"/> (sorted) as the database would.</summary>
    private static (List<(long Index, bool Empty)> Steps, List<IReadOnlyList<long>> Probes) Walk(ChunkWalk walk, long[] keys)
    {
        var steps = new List<(long Index, bool Empty)>();
        var probes = new List<IReadOnlyList<long>>();
        while (walk.Next() is { } chunk)
        {
            if (walk.NeedsProbe(chunk))
            {
                var bounds = walk.ProbeBounds(chunk);
                probes.Add(bounds);
                walk.Probed([.. bounds.Select(bound => keys.Where(key => key >= bound).Select(key => (long?)key).FirstOrDefault())]);
            }

            steps.Add((chunk.Index, walk.IsEmpty(chunk)));
        }

        return (steps, probes);
    }
}
