using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using ChunkGate.Testing.Waiting;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Deadline;

/// <summary>
/// Issue 11, hole 8: a write running at expiry must not commit afterwards. Closing the socket
/// alone let an autocommit <c>UPDATE … pg_sleep</c> (and a simple Query that ends in COMMIT)
/// finish and commit seconds after the deadline.
/// </summary>
[Category("PostgreSQL")]
internal sealed class ExpiryCommitTests
{
    private const string Setup = "CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counters VALUES (1, 0)";
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("expirycommit", Setup);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase("UPDATE counters SET n = n + 1 WHERE id = 1 AND pg_sleep(4) IS NOT NULL", TestName = "Expiry_CancelsAnAutocommitUpdateInFlight_SoItNeverCommits")]
    [TestCase("BEGIN; UPDATE counters SET n = n + 1 WHERE id = 1; SELECT pg_sleep(4); COMMIT", TestName = "Expiry_CancelsAQueryThatWouldCommitItsOwnTransaction")]
    [TestCase("BEGIN; UPDATE counters SET n = n + 1 WHERE id = 1 AND pg_sleep(4) IS NOT NULL", TestName = "Expiry_RollsBackAnExplicitTransactionLeftOpen")]
    public async Task Expiry_LeavesNoCommittedWrite(string sql)
    {
        await using var admin = await harness.OpenAdminAsync();
        var before = await CounterAsync(admin);
        var (clock, client) = await RunningWriteAsync(admin, sql);
        await using var session = client;

        clock.Advance(TimeSpan.FromMinutes(5));

        await client.ReadToEndAsync();
        await using var backends = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
        await Eventually.TrueAsync(async () => (long)(await backends.ExecuteScalarAsync())! == 0, "the job's backend has ended", TimeSpan.FromSeconds(20));
        (await CounterAsync(admin)).Should().Be(before, "the write running at expiry was cancelled and rolled back, not committed later");
    }

    /// <summary>
    /// A hostile probe's finding: statements pipelined behind a running one sit in the backend's
    /// socket buffer; the cancel at expiry ended the sleep and the backend then ran every queued
    /// INSERT, each autocommitting 18–37 ms after the deadline. Without column masking too.
    /// </summary>
    [TestCase(false, TestName = "Expiry_PipelinedWritesBehindARunningQuery_NeverRun")]
    [TestCase(true, TestName = "Expiry_PipelinedWritesBehindARunningQuery_NeverRun_WithColumnMasking")]
    public async Task Expiry_PipelinedWritesBehindARunningQuery_NeverRun(bool masking)
    {
        var clock = new ManualTimeProvider(Start);
        var options = harness.Options(
            SessionAction.Write,
            expiresAt: Start.AddMinutes(5),
            masking: masking ? System.Text.Json.JsonDocument.Parse("""{ "columns": [ { "column": "public.counters.n", "strategy": "redact" } ] }""").RootElement.Clone() : null);
        await harness.StartAsync(options, clock, masking ? SessionFeatureFactory.Create(options, clock, NullLogger.Instance) : null);
        await using var admin = await harness.OpenAdminAsync();
        var before = await CounterAsync(admin);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        const string sleep = "SELECT pg_sleep(60)";
        byte[] pipeline = [.. RawProtocolClient.Query(sleep), .. Enumerable.Range(0, 50).SelectMany(_ => RawProtocolClient.Query("UPDATE counters SET n = n + 1 WHERE id = 1"))];
        await client.SendAsync(pipeline);
        await ActiveQueries.WaitUntilRunningAsync(admin, sleep);

        clock.Advance(TimeSpan.FromMinutes(5));

        await client.ReadToEndAsync();
        await using var backends = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}' AND query = '{sleep}'", admin);
        await Eventually.TrueAsync(async () => (long)(await backends.ExecuteScalarAsync())! == 0, "the job's backend has ended", TimeSpan.FromSeconds(20));
        await Task.Delay(200);
        (await CounterAsync(admin)).Should().Be(before, "the statements queued behind the sleep were sent before expiry but must not run after it");
    }

    [Test]
    public async Task Expiry_WhenTheTerminatingConnectionBroke_FallsBackToCancellingTheStatement()
    {
        const string sql = "UPDATE counters SET n = n + 1 WHERE id = 1 AND pg_sleep(4) IS NOT NULL";
        await using var admin = await harness.OpenAdminAsync();
        var before = await CounterAsync(admin);
        var (clock, client) = await RunningWriteAsync(admin, sql);
        await using var session = client;
        await using (var kill = new NpgsqlCommand($"SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE usename = '{harness.Role}' AND application_name = 'ChunkGate.Sidecar expiry'", admin))
        {
            ((long)(await kill.ExecuteScalarAsync())!).Should().Be(1, "the sidecar holds one connection for ending sessions at expiry");
        }

        clock.Advance(TimeSpan.FromMinutes(5));

        var answer = await client.ReadToEndAsync();
        answer.Should().Contain(m => m.Code == 'E' && m.Field('C') == "57P01" && m.Field('M')!.StartsWith("approval expired", StringComparison.Ordinal));
        await using var backends = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
        await Eventually.TrueAsync(async () => (long)(await backends.ExecuteScalarAsync())! == 0, "the job's backend has ended", TimeSpan.FromSeconds(20));
        (await CounterAsync(admin)).Should().Be(before, "the statement was cancelled when it could not be terminated");
    }

    [Test]
    public async Task ASessionWhoseBackendCouldNotBeEndedAtExpiry_IsRefused()
    {
        // The role's connection limit leaves no room for the sidecar's expiry connection beside the session.
        await using var admin = await harness.OpenAdminAsync();
        await using (var limit = new NpgsqlCommand($"ALTER ROLE {harness.Role} CONNECTION LIMIT 1", admin))
        {
            await limit.ExecuteNonQueryAsync();
        }

        try
        {
            await harness.StartAsync(harness.Options(SessionAction.Write, expiresAt: Start.AddMinutes(5)), new ManualTimeProvider(Start));
            await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
            await client.SendAsync(RawProtocolClient.StartupPacket(("user", harness.Role), ("database", harness.Database)));
            var answer = await client.ReadToEndAsync();

            answer.Should().Contain(m => m.Code == 'E' && m.Field('C') == "53300" && m.Field('M')!.Contains("end this session at expiry"));
            answer.Should().NotContain(m => m.Code == 'Z', "no statement may be sent on a session that could outlive its approval");
        }
        finally
        {
            await using var reset = new NpgsqlCommand($"ALTER ROLE {harness.Role} CONNECTION LIMIT -1", admin);
            await reset.ExecuteNonQueryAsync();
        }
    }

    [Test]
    public async Task Expiry_TheFirstSessionToEnd_EndsEveryBackendOfTheRoleAtOnce()
    {
        // A hostile probe's finding: ended one by one, each a round trip, the last of 20+ sessions under load ended 560 ms late.
        const string sleep = "SELECT pg_sleep(60)";
        await using var admin = await harness.OpenAdminAsync();
        var (_, first) = await RunningWriteAsync(admin, sleep);
        await using var firstSession = first;
        await using var second = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await second.StartAsync(harness.Database);
        await second.SendAsync(RawProtocolClient.Query(sleep));
        await using var sleeping = new NpgsqlCommand($"SELECT array_agg(pid) FROM pg_stat_activity WHERE usename = '{harness.Role}' AND query = '{sleep}'", admin);
        int[] pids = [];
        await Eventually.TrueAsync(async () => (pids = (int[])(await sleeping.ExecuteScalarAsync())!).Length == 2, "both sessions sleep");

        (await harness.Context!.Terminator!.TerminateAsync(new UpstreamCredential(harness.Role, harness.Password), pids[0], CancellationToken.None)).Should().BeTrue();

        await Eventually.TrueAsync(async () => await sleeping.ExecuteScalarAsync() is DBNull, "the other session's backend ended with the first one's", TimeSpan.FromSeconds(10));
    }

    /// <summary>A write session expiring at Start + 5 min, with <paramref name="sql"/> running in it.</summary>
    private async Task<(ManualTimeProvider Clock, RawProtocolClient Client)> RunningWriteAsync(NpgsqlConnection admin, string sql)
    {
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Write, expiresAt: Start.AddMinutes(5)), clock);
        var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        await ActiveQueries.WaitUntilRunningAsync(admin, sql);
        return (clock, client);
    }

    private static async Task<int> CounterAsync(NpgsqlConnection admin)
    {
        await using var command = new NpgsqlCommand("SELECT n FROM counters WHERE id = 1", admin);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
