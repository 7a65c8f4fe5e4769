using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Status;

namespace ChunkGate.Operator.Progress;

/// <summary>The run whose Pods' records are folded: what a record must match to count.</summary>
public sealed record RunProgressContext(string RunId, string SpecHash, int Shards, int ChunkSize);

/// <summary>A chunk the runner reported as failed: the run ends with it.</summary>
public sealed record ChunkFailure(int Shard, long Index, long From, long To, string? SqlState, string Message)
{
    public string Describe(string runId) =>
        $"run {runId} failed: chunk {Index} [{From}, {To}) on shard {Shard}: {(SqlState is null ? "" : SqlState + " ")}{Message}".TrimEnd();
}

/// <summary>What the records say: progress and checkpoint for the status, and a failure if one was reported.</summary>
public sealed record RunReport(ProgressStatus Progress, CheckpointStatus Checkpoint, ChunkFailure? Failure);

/// <summary>
/// Folds the runner records of a run's Pods (one list per shard, in the order of its log) into the
/// job's progress and checkpoint: the union of the chunks done in this run and in earlier runs of
/// the same spec (the checkpoint in status, when its spec hash and chunk size match). Pure. A record
/// counts only for the run it names, from the Pod of the shard it names, for a chunk that shard
/// owns (index % shards == shard, below the planned total, one chunk wide): a runner can never
/// claim another shard's chunks. Rows are counted once per chunk index, so reading the same log
/// lines again (every periodic read, overlapping windows) never counts them twice.
/// </summary>
public static class RunProgressFold
{
    public static RunReport Fold(RunProgressContext run, CheckpointStatus? previousCheckpoint, ProgressStatus? previousProgress,
        IReadOnlyList<IReadOnlyList<RunRecord>> shardRecords)
    {
        var resumed = previousCheckpoint is { } checkpoint && checkpoint.SpecHash == run.SpecHash && checkpoint.ChunkSize == run.ChunkSize;
        var done = resumed && ChunkRanges.TryParse(previousCheckpoint!.Done, CheckpointStatus.MaxDoneLength, out var parsed) ? parsed : ChunkRanges.Empty;
        var rows = resumed ? previousProgress?.Rows ?? 0 : 0;
        var total = resumed ? previousProgress?.ChunksTotal ?? 0 : 0;

        for (var shard = 0; shard < shardRecords.Count && shard < run.Shards; shard++)
        {
            foreach (var plan in shardRecords[shard].Where(r => r.Kind == RunRecordKind.Plan && Names(run, r, shard) && r.Shards == run.Shards))
            {
                total = Math.Max(total, plan.ChunksTotal);
            }
        }

        ChunkFailure? failure = null;
        var added = new List<long>();
        var addedSet = new HashSet<long>();
        for (var shard = 0; shard < shardRecords.Count && shard < run.Shards; shard++)
        {
            foreach (var record in shardRecords[shard])
            {
                if (!Names(run, record, shard) || record.Kind is not (RunRecordKind.Chunk or RunRecordKind.Failed) || !Owns(run, record, shard, total))
                {
                    continue;
                }

                if (record.Kind == RunRecordKind.Failed)
                {
                    failure ??= new ChunkFailure(shard, record.Index, record.From, record.To, record.SqlState, record.Message ?? "");
                }
                else if (!done.Contains(record.Index) && addedSet.Add(record.Index))
                {
                    added.Add(record.Index);
                    rows = rows > long.MaxValue - record.Rows ? long.MaxValue : rows + record.Rows;
                }
            }
        }

        done = done.With(added);
        var chunksDone = total > 0 ? done.CountBelow(total) : done.Count;
        return new RunReport(
            new ProgressStatus { ChunksDone = chunksDone, ChunksTotal = total, Rows = rows, Summary = JobStatusDisplay.Progress(chunksDone, total) },
            new CheckpointStatus { SpecHash = run.SpecHash, ChunkSize = run.ChunkSize, Done = done.Format(CheckpointStatus.MaxDoneLength) },
            failure);
    }

    private static bool Names(RunProgressContext run, RunRecord record, int shard) =>
        string.Equals(record.Run, run.RunId, StringComparison.Ordinal) && record.Shard == shard;

    private static bool Owns(RunProgressContext run, RunRecord record, int shard, long total) =>
        record.Index % run.Shards == shard
        && record.Index <= ChunkRanges.MaxIndex
        && (total <= 0 || record.Index < total)
        && record.To - record.From == run.ChunkSize;
}
