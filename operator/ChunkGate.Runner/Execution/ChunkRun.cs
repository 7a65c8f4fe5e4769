using ChunkGate.Runner.Chunks;
using ChunkGate.Runner.Configuration;
using ChunkGate.Runner.Database;
using ChunkGate.Runner.Output;
using ChunkGate.Runner.Records;
using ChunkGate.Runner.Telemetry;

namespace ChunkGate.Runner.Execution;

/// <summary>
/// One shard's run: connect, plan the grid, walk the owned chunks (skipping done and empty ones),
/// run the statement on each, print a record once each chunk is durable, and end with the exit code
/// of the run contract. Synchronous, as <see cref="ChunkDatabase"/> explains.
/// </summary>
internal sealed class ChunkRun(RunnerSettings settings, TimeProvider time, Stream standardOutput, TextWriter errors)
{
    // The sidecar ends sessions half a second before expiry; a failure that close to it is the expiry.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(2);

    private readonly RunRecords records = new(standardOutput, settings.Run, settings.Shard);

    public int Run(CancellationToken cancellationToken)
    {
        if (Expired())
        {
            return ExpiredExit("before the run started");
        }

        // Cancels the statement in flight at expiry.
        using var expiry = new CancellationTokenSource(Until(settings.ExpiresAt, time.GetUtcNow()), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);

        ChunkDatabase database;
        var connecting = System.Diagnostics.Stopwatch.StartNew(); // real time: it bounds real sleeps
        var refusedBefore = false;
        while (true)
        {
            try
            {
                database = ChunkDatabase.Open(settings.Database, settings.Spec, settings.CopyTemplate);
                break;
            }
            catch (Exception exception) when (Refused(exception) && connecting.Elapsed < SidecarStartWait && !Expired(ExpiryMargin))
            {
                // The sidecar starts first but may not listen yet (a busy node, no startup probe):
                // a refused connection is retried for a short while; any other failure is not.
                if (!refusedBefore)
                {
                    refusedBefore = true;
                    errors.WriteLine($"chunkgate-runner: {settings.Database.Host}:{settings.Database.Port} refused the connection (the sidecar may not listen yet); retrying for up to {SidecarStartWait.TotalSeconds:0} s");
                }

                Thread.Sleep(SidecarStartPoll);
            }
            catch (Exception exception) when (DatabaseFailure.From(exception) is { } failure)
            {
                if (Expired(ExpiryMargin))
                {
                    return ExpiredExit("before the database answered");
                }

                errors.WriteLine($"chunkgate-runner: cannot connect to {settings.Database.Host}:{settings.Database.Port} ({settings.Database.Database}): {failure.Message}");
                return ExitCodes.Unreachable;
            }
        }

        using (database)
        {
            return RunChunks(database, linked.Token);
        }
    }

    private int RunChunks(ChunkDatabase database, CancellationToken cancellationToken)
    {
        ChunkGrid grid;
        try
        {
            grid = Plan(database, cancellationToken);
        }
        catch (Exception exception) when (DatabaseFailure.From(exception) is not null)
        {
            return Failed(null, exception);
        }
        catch (GridException exception)
        {
            records.Failed(null, null, exception.Message);
            errors.WriteLine($"chunkgate-runner: {exception.Message}");
            return ExitCodes.ChunkFailed;
        }

        records.Plan(settings.Shards, grid.Total, grid.OwnedBy(settings.Shard, settings.Shards));
        using var sink = settings.Output.IsStandardOutput
            ? RowSink.ToStandardOutput(standardOutput)
            : RowSink.ToFile(Path.Combine(settings.Output.Directory!, settings.OutputFileName));
        var formatter = RowFormatters.For(settings.Format, settings.Output.IsStandardOutput);
        var copy = new CopyCsvStream(settings.Output.IsStandardOutput);
        var headerWritten = false;
        var walk = new ChunkWalk(grid, settings.Shard, settings.Shards, settings.Done);
        var walkStarted = time.GetUtcNow();
        long chunks = 0, rows = 0, bytes = 0, empty = 0, probes = 0;
        try
        {
            while (walk.Next() is { } chunk)
            {
                if (Expired())
                {
                    sink.WaitDurable();
                    return ExpiredExit($"before chunk {chunk.Index}");
                }

                try
                {
                    if (walk.NeedsProbe(chunk))
                    {
                        probes++;
                        walk.Probed(database.NextKeys(walk.ProbeBounds(chunk), cancellationToken));
                    }
                }
                catch (Exception exception) when (DatabaseFailure.From(exception) is { } failure)
                {
                    using var failed = RunnerTelemetry.StartChunk(settings.TraceParent, settings.Run, settings.Shard, chunk);
                    RunnerTelemetry.Failed(failed, failure.SqlState, failure.Message);
                    sink.WaitDurable();
                    return Failed(chunk, exception);
                }

                if (walk.IsEmpty(chunk))
                {
                    // Nothing ran and nothing was written: done with 0 rows, counted in the run's skip span.
                    sink.WaitDurable();
                    records.Chunk(chunk.Index, chunk.From, chunk.To, 0, 0);
                    chunks++;
                    empty++;
                    continue;
                }

                using var activity = RunnerTelemetry.StartChunk(settings.TraceParent, settings.Run, settings.Shard, chunk);
                long chunkRows;
                long chunkBytes;
                try
                {
                    chunkRows = settings.CopyTemplate is not null ? database.CopyChunk(chunk.From, chunk.To, header: !headerWritten, copy, sink, cancellationToken)
                        : settings.ProducesRows ? database.ReadChunk(chunk.From, chunk.To, formatter, sink, cancellationToken)
                        : database.WriteChunk(chunk.From, chunk.To, cancellationToken);
                    headerWritten = true;
                    // The record follows the chunk once it is durable (for a file, while the next chunk streams).
                    var (index, from, to, written) = (chunk.Index, chunk.From, chunk.To, chunkRows);
                    chunkBytes = sink.Commit(committed => records.Chunk(index, from, to, written, committed));
                }
                catch (Exception exception) when (DatabaseFailure.From(exception) is { } failure)
                {
                    sink.Discard();
                    RunnerTelemetry.Failed(activity, failure.SqlState, failure.Message);
                    return Failed(chunk, exception);
                }

                RunnerTelemetry.Finished(activity, chunkRows, chunkBytes);
                chunks++;
                rows += chunkRows;
                bytes += chunkBytes;
            }
        }
        finally
        {
            RunnerTelemetry.Skipped(settings.TraceParent, settings.Run, settings.Shard, walkStarted, time.GetUtcNow(), walk.SkippedDone, empty, probes);
        }

        sink.WaitDurable();
        records.Done(chunks, rows, bytes);
        return ExitCodes.Done;
    }

    private ChunkGrid Plan(ChunkDatabase database, CancellationToken cancellationToken)
    {
        if (database.KeyRange(cancellationToken) is not { } range)
        {
            return ChunkGrid.Empty(settings.Spec.Chunking.ChunkSize);
        }

        var (grid, error) = ChunkGrid.Over(range.Min, range.Max, settings.Spec.Chunking.ChunkSize);
        return grid ?? throw new GridException(error!);
    }

    private int Failed(Chunk? chunk, Exception exception)
    {
        if (Expired(ExpiryMargin))
        {
            return ExpiredExit(chunk is { } at ? $"during chunk {at.Index}" : "while planning");
        }

        var failure = DatabaseFailure.From(exception)!.Value;
        records.Failed(chunk is { } c ? (c.Index, c.From, c.To) : null, failure.SqlState, failure.Message);
        var where = chunk is { } failed ? $"chunk {failed.Index} [{failed.From}, {failed.To})" : "the key-range query";
        errors.WriteLine($"chunkgate-runner: {where} failed: {failure.SqlState} {failure.Message}");
        return ExitCodes.ChunkFailed;
    }

    private int ExpiredExit(string when)
    {
        errors.WriteLine($"chunkgate-runner: the approval expired at {settings.ExpiresAt:O} {when}");
        return ExitCodes.Expired;
    }

    private bool Expired(TimeSpan margin = default) => time.GetUtcNow() >= settings.ExpiresAt - margin;

    /// <summary>A timer's due time: never negative, and within what a timer accepts.</summary>
    internal static TimeSpan Until(DateTimeOffset at, DateTimeOffset now)
    {
        var left = at - now;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left > TimeSpan.FromDays(30) ? TimeSpan.FromDays(30) : left;
    }

    private sealed class GridException(string message) : Exception(message);

    private static readonly TimeSpan SidecarStartWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SidecarStartPoll = TimeSpan.FromMilliseconds(200);

    private static bool Refused(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return true;
            }
        }

        return false;
    }
}
