using System.Diagnostics;
using ChunkGate.Runner.Chunks;

namespace ChunkGate.Runner.Telemetry;

/// <summary>
/// The runner's one ActivitySource: a span per chunk the statement ran on, a child of the run's
/// trace context (TRACEPARENT). Nothing is allocated unless someone listens (the OTLP exporter, when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set, or a test's listener).
/// </summary>
internal static class RunnerTelemetry
{
    public const string SourceName = "ChunkGate.Runner";

    public static ActivitySource Source { get; } = new(SourceName);

    public static Activity? StartChunk(ActivityContext parent, string run, int shard, Chunk chunk)
    {
        var activity = Source.StartActivity("chunk", ActivityKind.Client, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("chunkgate.run", run);
            activity.SetTag("chunkgate.shard", shard);
            activity.SetTag("chunkgate.chunk.index", chunk.Index);
            activity.SetTag("chunkgate.chunk.from", chunk.From);
            activity.SetTag("chunkgate.chunk.to", chunk.To);
        }

        return activity;
    }

    /// <summary>
    /// One span per run for the chunks nothing ran on, when there were any: those a checkpoint
    /// listed as done and those the keyset probes found empty. It covers the walk, beside the chunk
    /// spans, so a trace accounts for every owned chunk without a span per empty one (a sparse
    /// range can have millions).
    /// </summary>
    public static void Skipped(ActivityContext parent, string run, int shard, DateTimeOffset walkStarted, DateTimeOffset walkEnded, long done, long empty, long probes)
    {
        if (done == 0 && empty == 0)
        {
            return;
        }

        using var activity = Source.StartActivity("skipped", ActivityKind.Internal, parent, startTime: walkStarted);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("chunkgate.run", run);
            activity.SetTag("chunkgate.shard", shard);
            activity.SetTag("chunkgate.chunks.done_before", done);
            activity.SetTag("chunkgate.chunks.empty", empty);
            activity.SetTag("chunkgate.probes", probes);
            activity.SetEndTime(walkEnded.UtcDateTime);
        }
    }

    public static void Finished(Activity? activity, long rows, long bytes)
    {
        activity?.SetTag("chunkgate.chunk.rows", rows);
        activity?.SetTag("chunkgate.chunk.bytes", bytes);
    }

    public static void Failed(Activity? activity, string? sqlState, string message)
    {
        activity?.SetTag("db.response.status_code", sqlState);
        activity?.SetStatus(ActivityStatusCode.Error, message);
    }
}
