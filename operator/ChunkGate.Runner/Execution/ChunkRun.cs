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
/// of the run contract.
/// </summary>
internal sealed class ChunkRun(RunnerSettings settings, TimeProvider time, Stream standardOutput, TextWriter errors)
{
    // The sidecar ends sessions half a second before expiry; a failure that close to it is the expiry.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(2);

    private readonly RunRecords records = new(standardOutput, settings.Run, settings.Shard);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (Expired())
        {
            return ExpiredExit("before the run started");
        }

        // Cancels the statement in flight at expiry (Npgsql sends a cancel request).
        using var expiry = new CancellationTokenSource(Until(settings.ExpiresAt), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var token = linked.Token;

        ChunkDatabase database;
        try
        {
            database = await ChunkDatabase.OpenAsync(settings.Database, settings.Spec, token).ConfigureAwait(false);
        }
        catch (Exception exception) when (DatabaseFailure.From(exception) is { } failure || exception is OperationCanceledException)
        {
            if (Expired(ExpiryMargin))
            {
                return ExpiredExit("before the database answered");
            }

            var message = DatabaseFailure.From(exception)?.Message ?? exception.Message;
            await errors.WriteLineAsync($"chunkgate-runner: cannot connect to {settings.Database.Host}:{settings.Database.Port} ({settings.Database.Database}): {message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        await using (database.ConfigureAwait(false))
        {
            return await RunChunksAsync(database, token).ConfigureAwait(false);
        }
    }

    private async Task<int> RunChunksAsync(ChunkDatabase database, CancellationToken cancellationToken)
    {
        ChunkGrid grid;
        try
        {
            grid = await PlanAsync(database, cancellationToken).ConfigureAwait(false) is { } planned ? planned : ChunkGrid.Empty(settings.Spec.Chunking.ChunkSize);
        }
        catch (Exception exception) when (IsDatabaseFailure(exception))
        {
            return await FailedAsync(null, exception).ConfigureAwait(false);
        }
        catch (GridException exception)
        {
            await records.FailedAsync(null, null, exception.Message, CancellationToken.None).ConfigureAwait(false);
            await errors.WriteLineAsync($"chunkgate-runner: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.ChunkFailed;
        }

        await records.PlanAsync(settings.Shards, grid.Total, grid.OwnedBy(settings.Shard, settings.Shards), cancellationToken).ConfigureAwait(false);

        var sink = settings.Output.IsStandardOutput
            ? RowSink.ToStandardOutput(standardOutput)
            : RowSink.ToFile(Path.Combine(settings.Output.Directory!, settings.OutputFileName));
        await using (sink.ConfigureAwait(false))
        {
            var formatter = RowFormatters.For(settings.Format, settings.Output.IsStandardOutput);
            var walk = new ChunkWalk(grid, settings.Shard, settings.Shards, settings.Done);
            long chunks = 0, rows = 0, bytes = 0;
            while (walk.Next() is { } chunk)
            {
                if (Expired())
                {
                    return ExpiredExit($"before chunk {chunk.Index}");
                }

                using var activity = RunnerTelemetry.StartChunk(settings.TraceParent, settings.Run, settings.Shard, chunk);
                long chunkRows;
                long chunkBytes;
                try
                {
                    if (walk.NeedsProbe(chunk))
                    {
                        walk.Probed(await database.NextKeyAsync(chunk.From, cancellationToken).ConfigureAwait(false));
                    }

                    chunkRows = walk.IsEmpty(chunk) ? 0
                        : settings.ProducesRows ? await database.ReadChunkAsync(chunk.From, chunk.To, formatter, sink, cancellationToken).ConfigureAwait(false)
                        : await database.WriteChunkAsync(chunk.From, chunk.To, cancellationToken).ConfigureAwait(false);
                    chunkBytes = await sink.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (IsDatabaseFailure(exception))
                {
                    await sink.DiscardAsync().ConfigureAwait(false);
                    var failure = DatabaseFailure.From(exception);
                    RunnerTelemetry.Failed(activity, failure?.SqlState, failure?.Message ?? exception.Message);
                    return await FailedAsync(chunk, exception).ConfigureAwait(false);
                }

                RunnerTelemetry.Finished(activity, chunkRows, chunkBytes);
                await records.ChunkAsync(chunk.Index, chunk.From, chunk.To, chunkRows, chunkBytes, cancellationToken).ConfigureAwait(false);
                chunks++;
                rows += chunkRows;
                bytes += chunkBytes;
            }

            await records.DoneAsync(chunks, rows, bytes, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Done;
        }
    }

    private async Task<ChunkGrid?> PlanAsync(ChunkDatabase database, CancellationToken cancellationToken)
    {
        if (await database.KeyRangeAsync(cancellationToken).ConfigureAwait(false) is not { } range)
        {
            return null;
        }

        var (grid, error) = ChunkGrid.Over(range.Min, range.Max, settings.Spec.Chunking.ChunkSize);
        return grid ?? throw new GridException(error!);
    }

    private async Task<int> FailedAsync(Chunk? chunk, Exception exception)
    {
        if (Expired(ExpiryMargin))
        {
            return ExpiredExit(chunk is { } at ? $"during chunk {at.Index}" : "while planning");
        }

        var failure = DatabaseFailure.From(exception) ?? new DatabaseFailure(null, exception.Message);
        await records.FailedAsync(chunk is { } c ? (c.Index, c.From, c.To) : null, failure.SqlState, failure.Message, CancellationToken.None).ConfigureAwait(false);
        var where = chunk is { } failed ? $"chunk {failed.Index} [{failed.From}, {failed.To})" : "the key-range query";
        await errors.WriteLineAsync($"chunkgate-runner: {where} failed: {failure.SqlState} {failure.Message}").ConfigureAwait(false);
        return ExitCodes.ChunkFailed;
    }

    private int ExpiredExit(string when)
    {
        errors.WriteLine($"chunkgate-runner: the approval expired at {settings.ExpiresAt:O} {when}");
        return ExitCodes.Expired;
    }

    private static bool IsDatabaseFailure(Exception exception) => DatabaseFailure.From(exception) is not null || exception is OperationCanceledException;

    private bool Expired(TimeSpan margin = default) => time.GetUtcNow() >= settings.ExpiresAt - margin;

    private TimeSpan Until(DateTimeOffset at)
    {
        var left = at - time.GetUtcNow();
        return left < TimeSpan.Zero ? TimeSpan.Zero : left > TimeSpan.FromDays(30) ? TimeSpan.FromDays(30) : left;
    }

    private sealed class GridException(string message) : Exception(message);
}
