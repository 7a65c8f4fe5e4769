using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Progress;

namespace ChunkGate.Operator.Tests.Progress;

public sealed class RunProgressFoldTests
{
    private static readonly RunProgressContext Run = new("r2", "sha256:aa", Shards: 3, ChunkSize: 100);

    private static RunRecord Plan(int shard, long total = 12) => new(RunRecordKind.Plan, "r2", shard, Shards: 3, ChunksTotal: total);

    private static RunRecord Chunk(int shard, long index, long rows = 10, string run = "r2", long width = 100) =>
        new(RunRecordKind.Chunk, run, shard, Index: index, From: index * 100, To: (index * 100) + width, Rows: rows);

    private static RunReport Fold(CheckpointStatus? checkpoint, ProgressStatus? progress, params RunRecord[][] shards) =>
        RunProgressFold.Fold(Run, checkpoint, progress, shards);

    [Test]
    public void Fold_CountsEachShardsOwnChunks_IntoProgressAndCheckpoint()
    {
        var report = Fold(null, null,
            [Plan(0), Chunk(0, 0), Chunk(0, 3)],
            [Plan(1), Chunk(1, 1), Chunk(1, 4)],
            [Plan(2), Chunk(2, 2)]);

        report.Progress.ChunksDone.Should().Be(5);
        report.Progress.ChunksTotal.Should().Be(12);
        report.Progress.Rows.Should().Be(50);
        report.Progress.Summary.Should().Be("5/12");
        report.Checkpoint.Done.Should().Be("0-4");
        report.Checkpoint.SpecHash.Should().Be("sha256:aa");
        report.Checkpoint.ChunkSize.Should().Be(100);
        report.Failure.Should().BeNull();
    }

    [Test]
    public void Fold_NeverLetsAShardClaimChunksItDoesNotOwn()
    {
        var report = Fold(null, null,
            [Plan(0), Chunk(0, 1), Chunk(0, 2), Chunk(1, 1), Chunk(0, 0)],
            [Plan(1)],
            [Plan(2)]);

        report.Checkpoint.Done.Should().Be("0", "shard 0 owns 0, 3, 6, 9 only; its log cannot speak for shard 1");
        report.Progress.Rows.Should().Be(10);
    }

    private static IEnumerable<TestCaseData> Forged()
    {
        TestCaseData Case(string name, RunRecord record) => new TestCaseData(record).SetName($"Fold_Ignores_{name}");

        yield return Case("AnotherRunsRecord", Chunk(0, 3, run: "r1"));
        yield return Case("AChunkPastThePlannedTotal", Chunk(0, 12));
        yield return Case("AChunkOfTheWrongWidth", Chunk(0, 3, width: 1000));
        yield return Case("AnotherShardsFailure", new RunRecord(RunRecordKind.Failed, "r2", 0, Index: 1, From: 100, To: 200, Message: "x"));
    }

    [TestCaseSource(nameof(Forged))]
    public void Fold_IgnoresForgedRecords(RunRecord forged)
    {
        var report = Fold(null, null, [Plan(0), forged], [], []);

        report.Progress.ChunksDone.Should().Be(0);
        report.Failure.Should().BeNull();
    }

    [Test]
    public void Fold_ReadingTheSameLinesAgain_CountsRowsOnce()
    {
        var first = Fold(null, null, [Plan(0), Chunk(0, 0, rows: 7)], [], []);

        var again = Fold(first.Checkpoint, first.Progress, [Chunk(0, 0, rows: 7), Chunk(0, 3, rows: 5)], [], []);

        again.Progress.Rows.Should().Be(12);
        again.Progress.ChunksDone.Should().Be(2);
        again.Progress.ChunksTotal.Should().Be(12, "the planned total is kept once the plan line is out of the read window");
        again.Checkpoint.Done.Should().Be("0,3");
    }

    [Test]
    public void Fold_ContinuesTheCheckpointOfTheSameSpec_AndDropsAnotherSpecs()
    {
        var earlier = new CheckpointStatus { SpecHash = "sha256:aa", ChunkSize = 100, Done = "0-5" };
        var otherSpec = new CheckpointStatus { SpecHash = "sha256:bb", ChunkSize = 100, Done = "0-5" };
        var otherGrid = new CheckpointStatus { SpecHash = "sha256:aa", ChunkSize = 50, Done = "0-5" };
        var progress = new ProgressStatus { ChunksDone = 6, ChunksTotal = 12, Rows = 60 };

        Fold(earlier, progress, [Plan(0), Chunk(0, 6)], [], []).Checkpoint.Done.Should().Be("0-6");
        Fold(earlier, progress, [Plan(0), Chunk(0, 6)], [], []).Progress.Rows.Should().Be(70);
        Fold(otherSpec, progress, [Plan(0), Chunk(0, 6)], [], []).Checkpoint.Done.Should().Be("6");
        Fold(otherGrid, progress, [Plan(0), Chunk(0, 6)], [], []).Progress.Rows.Should().Be(10);
    }

    [Test]
    public void Fold_ReportsTheFirstFailure_WithItsRangeAndMessage()
    {
        var failed = new RunRecord(RunRecordKind.Failed, "r2", 1, Index: 4, From: 400, To: 500, SqlState: "23505", Message: "duplicate key value violates unique constraint");

        var report = Fold(null, null, [Plan(0)], [Plan(1), Chunk(1, 1), failed], [Plan(2)]);

        report.Failure.Should().Be(new ChunkFailure(1, 4, 400, 500, "23505", "duplicate key value violates unique constraint"));
        report.Failure!.Describe("r2").Should().Be("run r2 failed: chunk 4 [400, 500) on shard 1: 23505 duplicate key value violates unique constraint");
        report.Progress.ChunksDone.Should().Be(1);
    }

    [Test]
    public void Fold_WithNoRecordsYet_KeepsTheSameSpecsCheckpoint()
    {
        var earlier = new CheckpointStatus { SpecHash = "sha256:aa", ChunkSize = 100, Done = "0-5" };

        var report = Fold(earlier, new ProgressStatus { ChunksDone = 6, ChunksTotal = 12, Rows = 60 }, [], [], []);

        report.Checkpoint.Done.Should().Be("0-5");
        report.Progress.Summary.Should().Be("6/12");
    }
}
