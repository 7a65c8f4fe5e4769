using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>write runs the statement per chunk in its own transaction: what a record reports is committed, a failed chunk leaves nothing.</summary>
[Category("PostgreSQL")]
public sealed class WriteActionTests
{
    [Test]
    public async Task Write_CommitsEachChunkOnItsOwn_AndAResumeTouchesEveryRowOnce()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = RunnerRig.TableName("accounts");
        // Row 35 cannot take one more: its chunk (index 3, keys 31..40) fails on the CHECK constraint.
        await rig.Database.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint PRIMARY KEY, balance int NOT NULL CHECK (balance < 1000), touched int NOT NULL DEFAULT 0);
            INSERT INTO {table} (id, balance) SELECT g, CASE WHEN g = 35 THEN 999 ELSE 0 END FROM generate_series(1, 50) g;
            """);
        var sidecar = await rig.SidecarAsync("write");
        var job = new RunnerJob("write", "public." + table, $"UPDATE {table} SET balance = balance + 1, touched = touched + 1 WHERE id >= $1 AND id < $2");

        var first = await RunnerProcess.RunAsync(rig, sidecar, job);

        first.ExitCode.Should().Be(3, first.ToString());
        first.ChunkIndices.Should().Equal(0, 1, 2);
        first.RecordsOf("chunk").Should().OnlyContain(record => record.GetProperty("rows").GetInt64() == 10 && record.GetProperty("bytes").GetInt64() == 0);
        first.RecordsOf("failed").Single().GetProperty("sqlstate").GetString().Should().Be("23514");
        (await rig.Database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE touched = 1 AND id <= 30")).Should().Be(30, "chunks 0..2 committed");
        (await rig.Database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE touched <> 0 AND id > 30")).Should().Be(0, "the failed chunk rolled back whole and nothing after it ran");

        await rig.Database.ExecuteAsync($"UPDATE {table} SET balance = 0 WHERE id = 35");
        var second = await RunnerProcess.RunAsync(rig, sidecar, job with { Run = "r2", DoneChunks = Checkpoint.DoneChunks(first) });

        second.ExitCode.Should().Be(0, second.ToString());
        second.ChunkIndices.Should().Equal(3, 4);
        second.RecordsOf("done").Single().GetProperty("rows").GetInt64().Should().Be(20);
        (await rig.Database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE touched = 1")).Should().Be(50, "every row was written exactly once over both runs");
    }
}
