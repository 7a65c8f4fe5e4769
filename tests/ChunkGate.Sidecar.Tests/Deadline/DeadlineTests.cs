using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Upstream;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Deadline;

[Category("PostgreSQL")]
internal sealed class DeadlineTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("deadline", ProxyTestData.Setup);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [Test]
    public async Task Expiry_EndsTheSessionMidResult_WithApprovalExpired_AndClosesBothSides()
    {
        var clock = new ManualTimeProvider(Start);
        await using var client = await StartLongResultAsync(clock);
        (await client.ReadMessageAsync())!.Code.Should().Be('D');

        clock.Advance(TimeSpan.FromMinutes(15));

        var rest = await client.ReadToEndAsync();
        var last = rest.Last();
        last.Code.Should().Be('E');
        last.Field('S').Should().Be("FATAL");
        last.Field('C').Should().Be("57P01");
        last.Field('M').Should().StartWith("approval expired");
        rest.Should().NotContain(m => m.Code == 'C', "the result was cut short");
        (await BackendsOfRoleAsync()).Should().Be(0, "the upstream connection was closed too");
    }

    [Test]
    public async Task Expiry_EndsTheSession_EvenWhenTheClientHasStoppedReading()
    {
        var clock = new ManualTimeProvider(Start);
        await using var client = await StartLongResultAsync(clock);

        // The client reads nothing more: the sidecar's writes back up until the socket buffers fill.
        await Task.Delay(500);
        clock.Advance(TimeSpan.FromMinutes(15));

        (await BackendsOfRoleAsync()).Should().Be(0, "the database connection ends within the expiry grace even though the client never drains");
    }

    [Test]
    public async Task Expiry_EndsAnIdleSession()
    {
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Read, expiresAt: Start.AddMinutes(5)), clock);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);

        // The client has its ReadyForQuery before the session arms its deadline timer.
        await clock.WaitForTimersAsync();
        clock.Advance(TimeSpan.FromMinutes(5));
        var rest = await client.ReadToEndAsync();
        rest.Should().ContainSingle().Which.Field('M').Should().StartWith("approval expired");
    }

    [Test]
    public async Task Connection_AfterExpiry_IsRefused()
    {
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Read, expiresAt: Start.AddMinutes(-1)), clock);
        var act = async () => await harness.OpenSidecarAsync();
        var error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be("57P01");
        error.MessageText.Should().StartWith("approval expired");
    }

    [Test]
    public async Task Sessions_EndBeforeExpiresAt_ByTheEndingLead()
    {
        // Ending a backend takes a round trip: sessions end early so nothing they sent commits after expiresAt.
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Read, expiresAt: Start.AddMinutes(5)), clock);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await clock.WaitForTimersAsync();

        clock.Advance(TimeSpan.FromMinutes(5) - ApprovalDeadline.EndingLead);

        var rest = await client.ReadToEndAsync();
        rest.Should().ContainSingle().Which.Field('M').Should().StartWith("approval expired");
        var late = async () => await harness.OpenSidecarAsync();
        (await late.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("57P01", "no new session within the lead either");
    }

    [Test]
    public async Task ASessionAdmittedBeforeTheDeadline_ButSetUpAfterIt_NeverRunsAStatement()
    {
        // A hostile probe's finding: a startup packet sent just before expiry was admitted after it, and its pipelined inserts committed.
        var clock = new ManualTimeProvider(Start);
        await using var admin = await harness.OpenAdminAsync();
        await using (var create = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS late_marks (note text); GRANT ALL ON late_marks TO {harness.Role}", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        var options = harness.Options(SessionAction.Write, expiresAt: Start.AddMinutes(5));
        await harness.StartAsync(options, clock, new SlowSetup(clock, TimeSpan.FromMinutes(5)));
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.SendAsync([.. RawProtocolClient.StartupPacket(("user", "job"), ("database", harness.Database)), .. RawProtocolClient.Query("INSERT INTO late_marks VALUES ('late')")]);

        var answer = await client.ReadToEndAsync();

        answer.Should().Contain(m => m.Code == 'E' && m.Field('C') == "57P01");
        answer.Should().NotContain(m => m.Code == 'Z');
        await using var count = new NpgsqlCommand("SELECT count(*) FROM late_marks", admin);
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(0);
    }

    /// <summary>Session set-up (catalog, recording) that takes until after the deadline, as a slow upstream would.</summary>
    private sealed class SlowSetup(ManualTimeProvider clock, TimeSpan duration) : ISessionFeatureFactory
    {
        public Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken)
        {
            clock.Advance(duration);
            return Task.FromResult(SessionFeatures.None);
        }
    }

    /// <summary>A session expiring at Start + 15 min, in the middle of a result far too long to finish.</summary>
    private async Task<RawProtocolClient> StartLongResultAsync(ManualTimeProvider clock)
    {
        await harness.StartAsync(harness.Options(SessionAction.Read, expiresAt: Start.AddMinutes(15)), clock);
        var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("SELECT g, repeat('x', 200) FROM generate_series(1, 50000000) g"));
        (await client.ReadMessageAsync())!.Code.Should().Be('T');
        return client;
    }

    private async Task<long> BackendsOfRoleAsync()
    {
        await using var admin = await harness.OpenAdminAsync();
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
        for (var attempt = 0; ; attempt++)
        {
            // The backend notices the closed socket when it next writes; give it a moment.
            var backends = (long)(await count.ExecuteScalarAsync())!;
            if (backends == 0 || attempt == 50)
            {
                return backends;
            }

            await Task.Delay(100);
        }
    }
}
