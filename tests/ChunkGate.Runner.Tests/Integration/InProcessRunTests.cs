using System.Diagnostics;
using ChunkGate.Runner.Configuration;
using ChunkGate.Runner.Execution;
using ChunkGate.Runner.Telemetry;
using ChunkGate.Runner.Tests.Support;
using ChunkGate.Testing.Time;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>
/// The runner in this process (same code as the executable, through the real sidecar) where a test
/// needs to see inside: its spans, and expiry driven by a fake clock instead of waiting for a TTL.
/// </summary>
[Category("PostgreSQL")]
public sealed class InProcessRunTests
{
    [Test]
    public async Task Run_EmitsOneSpanPerChunkUnderTheRunsTraceContext()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 30).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var parent = ActivityContext.Parse(TraceParent, null);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RunnerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var job = ExactlyOnceTests.Job(table, 10) with { TraceParent = TraceParent };

        var (exit, _) = await RunInProcessAsync(rig, sidecar, job, TimeProvider.System);

        exit.Should().Be(ExitCodes.Done);
        spans.Should().HaveCount(3);
        spans.Should().OnlyContain(span => span.TraceId == parent.TraceId && span.ParentSpanId == parent.SpanId);
        spans.Select(span => span.GetTagItem("chunkgate.chunk.index")).Should().Equal(0L, 1L, 2L);
        spans.Select(span => span.GetTagItem("chunkgate.chunk.rows")).Should().Equal(10L, 10L, 10L);
    }

    [Test]
    public async Task Run_WhenTheApprovalExpiresMidChunk_CancelsItAndExits5WithoutRecordingIt()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 30).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Chunk 1 sleeps long enough for the clock to be moved past expiry while it runs. (A read: the
        // statement is cancelled; a CSV export's COPY is ended by the sidecar's deadline or the process watchdog.)
        var job = new RunnerJob("read", "public." + table,
            $"SELECT id, CASE WHEN id > 10 THEN pg_sleep(30)::text END FROM {table} WHERE id >= $1 AND id < $2 ORDER BY id") { ExpiresAt = time.GetUtcNow().AddMinutes(10) };
        var output = new ObservedStream("\"index\":0");

        var run = RunInProcessAsync(rig, sidecar, job, time, output);
        await output.Seen.WaitAsync(TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromMinutes(11));
        var (exit, errors) = await run.WaitAsync(TimeSpan.FromSeconds(25));

        exit.Should().Be(ExitCodes.Expired);
        errors.Should().Contain("approval expired");
        var text = System.Text.Encoding.UTF8.GetString(output.Written);
        text.Should().Contain("\"index\":0").And.NotContain("\"index\":1").And.NotContain("\"failed\"").And.NotContain("\"done\"");
    }

    private static async Task<(int Exit, string Errors)> RunInProcessAsync(RunnerRig rig, SidecarProcess sidecar, RunnerJob job, TimeProvider time, Stream? output = null)
    {
        var environment = job.Environment(sidecar.Port, rig.Database.Name);
        var (settings, error) = RunnerSettingsReader.Read(name => environment.GetValueOrDefault(name));
        settings.Should().NotBeNull(error);
        using var errors = new StringWriter();
        var run = new ChunkRun(settings!, time, output ?? new ObservedStream("never"), errors);
        var exit = await Task.Run(() => run.Run(CancellationToken.None));
        return (exit, errors.ToString());
    }
}
