using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Test]
    public async Task Run_EmitsOneSpanPerChunkUnderTheRunsTraceContext()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 30).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        var parent = ActivityContext.Parse(TraceParent, null);
        var spans = new List<Activity>();
        using var listener = Listen(spans);
        var job = ExactlyOnceTests.Job(table, 10) with { TraceParent = TraceParent };

        var (exit, _) = await RunInProcessAsync(rig, sidecar.Port, job, TimeProvider.System);

        exit.Should().Be(ExitCodes.Done);
        spans.Should().HaveCount(3);
        spans.Should().OnlyContain(span => span.TraceId == parent.TraceId && span.ParentSpanId == parent.SpanId);
        spans.Select(span => span.GetTagItem("chunkgate.chunk.index")).Should().Equal(0L, 1L, 2L);
        spans.Select(span => span.GetTagItem("chunkgate.chunk.rows")).Should().Equal(10L, 10L, 10L);
    }

    [Test]
    public async Task Run_SkippingDoneAndEmptyChunks_GivesThemOneSummarySpanAndNoChunkSpan()
    {
        var rig = await RunnerRig.SharedAsync();
        // Chunks of 10 over 1..100: 0 and 9 hold keys, 1..8 are empty; the checkpoint lists 9 as done.
        var table = await ExactlyOnceTests.CreateTableAsync(rig, [1, 2, 100]);
        var sidecar = await rig.SidecarAsync("export");
        var spans = new List<Activity>();
        using var listener = Listen(spans);
        var job = ExactlyOnceTests.Job(table, 10) with { TraceParent = TraceParent, DoneChunks = "9" };

        var (exit, _) = await RunInProcessAsync(rig, sidecar.Port, job, TimeProvider.System);

        exit.Should().Be(ExitCodes.Done);
        spans.Where(span => span.OperationName == "chunk").Select(span => span.GetTagItem("chunkgate.chunk.index")).Should().Equal(0L);
        var skipped = spans.Should().ContainSingle(span => span.OperationName == "skipped").Subject;
        skipped.ParentSpanId.Should().Be(ActivityContext.Parse(TraceParent, null).SpanId);
        skipped.GetTagItem("chunkgate.chunks.done_before").Should().Be(1L);
        skipped.GetTagItem("chunkgate.chunks.empty").Should().Be(8L);
        skipped.GetTagItem("chunkgate.probes").Should().Be(1L, "one query before chunk 0 asks about chunks 0..8 and finds keys in 0 and, from chunk 1's bound on, 100 in chunk 9");
    }

    [Test]
    public async Task Run_WithNothingSkipped_HasNoSummarySpan()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 20).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        var spans = new List<Activity>();
        using var listener = Listen(spans);

        var (exit, _) = await RunInProcessAsync(rig, sidecar.Port, ExactlyOnceTests.Job(table, 10) with { TraceParent = TraceParent }, TimeProvider.System);

        exit.Should().Be(ExitCodes.Done);
        spans.Select(span => span.OperationName).Should().Equal("chunk", "chunk");
    }

    [Test]
    public async Task Run_WhenTheSidecarListensOnlyAfterARefusal_RetriesAndExportsEverything()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 30).Select(i => (long)i));
        var sidecar = await rig.SidecarAsync("export");
        // Bound but not listening: the port is ours, and a connection to it is refused, as before a sidecar listens.
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        late.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)late.LocalEndPoint!).Port;
        var errors = new ObservedWriter("refused the connection");
        var output = new ObservedStream("\"chunkgate\":\"done\"");
        using var stop = new CancellationTokenSource();

        var run = RunInProcessAsync(rig, port, ExactlyOnceTests.Job(table, 10), TimeProvider.System, output, errors);
        await errors.Seen.WaitAsync(TimeSpan.FromSeconds(30));
        late.Listen();
        var relay = RelayAsync(late, sidecar.Port, stop.Token);
        var (exit, text) = await run.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await relay;

        exit.Should().Be(ExitCodes.Done, text);
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("the refusal is reported once, not per attempt");
        System.Text.Encoding.UTF8.GetString(output.Written).Should().Contain("\"chunkgate\":\"done\",\"run\":\"r1\",\"shard\":0,\"chunks\":3,\"rows\":30");
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

        var run = RunInProcessAsync(rig, sidecar.Port, job, time, output);
        await output.Seen.WaitAsync(TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromMinutes(11));
        var (exit, errors) = await run.WaitAsync(TimeSpan.FromSeconds(25));

        exit.Should().Be(ExitCodes.Expired);
        errors.Should().Contain("approval expired");
        var text = System.Text.Encoding.UTF8.GetString(output.Written);
        text.Should().Contain("\"index\":0").And.NotContain("\"index\":1").And.NotContain("\"failed\"").And.NotContain("\"done\"");
    }

    private static async Task<(int Exit, string Errors)> RunInProcessAsync(RunnerRig rig, int port, RunnerJob job, TimeProvider time, Stream? output = null, TextWriter? errors = null)
    {
        var environment = job.Environment(port, rig.Database.Name);
        var (settings, error) = RunnerSettingsReader.Read(name => environment.GetValueOrDefault(name));
        settings.Should().NotBeNull(error);
        errors ??= new StringWriter();
        var run = new ChunkRun(settings!, time, output ?? new ObservedStream("never"), errors);
        var exit = await Task.Run(() => run.Run(CancellationToken.None));
        return (exit, errors.ToString()!);
    }

    private static ActivityListener Listen(List<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RunnerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                lock (spans)
                {
                    spans.Add(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Accepts connections on <paramref name="listening"/> and relays each to the sidecar, both ways, until stopped.</summary>
    private static async Task RelayAsync(Socket listening, int sidecarPort, CancellationToken stop)
    {
        var relays = new List<Task>();
        try
        {
            while (true)
            {
                var accepted = await listening.AcceptAsync(stop);
                relays.Add(Task.Run(async () =>
                {
                    using var client = new NetworkStream(accepted, ownsSocket: true);
                    using var upstream = new TcpClient();
                    await upstream.ConnectAsync(IPAddress.Loopback, sidecarPort);
                    var server = upstream.GetStream();
                    await Task.WhenAny(client.CopyToAsync(server), server.CopyToAsync(client));
                }));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(relays).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
