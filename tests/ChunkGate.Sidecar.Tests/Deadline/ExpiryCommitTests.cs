using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using ChunkGate.Testing.Waiting;
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
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Write, expiresAt: Start.AddMinutes(5)), clock);
        await using var admin = await harness.OpenAdminAsync();
        var before = await CounterAsync(admin);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        await ActiveQueries.WaitUntilRunningAsync(admin, sql);

        clock.Advance(TimeSpan.FromMinutes(5));

        await client.ReadToEndAsync();
        await using var backends = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
        await Eventually.TrueAsync(async () => (long)(await backends.ExecuteScalarAsync())! == 0, "the job's backend has ended", TimeSpan.FromSeconds(20));
        (await CounterAsync(admin)).Should().Be(before, "the write running at expiry was cancelled and rolled back, not committed later");
    }

    private static async Task<int> CounterAsync(NpgsqlConnection admin)
    {
        await using var command = new NpgsqlCommand("SELECT n FROM counters WHERE id = 1", admin);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
