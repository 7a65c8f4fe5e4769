using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>
/// A chunk fails; a second run of the same spec, given the first run's checkpoint, does the rest:
/// over both runs every row comes out exactly once. The failure is real (division by zero while
/// a gate table is empty), and so is its message: as the sidecar returned it, masked.
/// </summary>
[Category("PostgreSQL")]
public sealed class ResumeTests
{
    [Test]
    public async Task Export_ResumedAfterAFailedChunk_DeliversEveryRowExactlyOnce()
    {
        var (rig, sidecar, job) = await GatedJobAsync();

        var first = await RunnerProcess.RunAsync(rig, sidecar, job);

        first.ExitCode.Should().Be(3, first.ToString());
        var failed = first.RecordsOf("failed").Single();
        failed.GetProperty("index").GetInt64().Should().Be(5);
        failed.GetProperty("from").GetInt64().Should().Be(51);
        failed.GetProperty("to").GetInt64().Should().Be(61);
        failed.GetProperty("sqlstate").GetString().Should().Be("22012");
        failed.GetProperty("message").GetString().Should().Contain("withheld by ChunkGate", "the message is the sidecar's, masked");
        first.ChunkIndices.Should().Equal(0, 1, 2, 3, 4);
        first.RecordsOf("done").Should().BeEmpty();

        await rig.Database.ExecuteAsync($"INSERT INTO {Gate(job)} VALUES (1)");
        var second = await RunnerProcess.RunAsync(rig, sidecar, job with { Run = "r2", DoneChunks = Checkpoint.DoneChunks(first) });

        second.ExitCode.Should().Be(0, second.ToString());
        second.ChunkIndices.Should().Equal(5, 6, 7, 8, 9);
        ExactlyOnceTests.KeysOf(first).Concat(ExactlyOnceTests.KeysOf(second)).Should().Equal(Enumerable.Range(1, 100).Select(i => (long)i));
    }

    [Test]
    public async Task Export_ToAFile_KeepsOnlyTheChunksWhoseRecordsWerePrinted()
    {
        var (rig, sidecar, job) = await GatedJobAsync();
        var output = Directory.CreateTempSubdirectory("chunkgate-runner-output-").FullName;
        try
        {
            job = job with { Output = output };
            var first = await RunnerProcess.RunAsync(rig, sidecar, job);
            await rig.Database.ExecuteAsync($"INSERT INTO {Gate(job)} VALUES (1)");
            var second = await RunnerProcess.RunAsync(rig, sidecar, job with { Run = "r2", DoneChunks = Checkpoint.DoneChunks(first) });

            first.ExitCode.Should().Be(3, first.ToString());
            second.ExitCode.Should().Be(0, second.ToString());
            first.Lines.Should().OnlyContain(line => line.StartsWith('\x1e'), "rows go to the file, records to standard output");
            var firstFile = await File.ReadAllBytesAsync(Path.Combine(output, "job-r1-0.csv"));
            firstFile.LongLength.Should().Be(first.RecordsOf("chunk").Sum(record => record.GetProperty("bytes").GetInt64()),
                "the file holds exactly the bytes of the chunks it printed records for (the failed chunk's rows were cut)");
            var rows = new[] { "job-r1-0.csv", "job-r2-0.csv" }
                .SelectMany(name => File.ReadAllLines(Path.Combine(output, name)).Skip(1))
                .Select(line => long.Parse(line.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
            rows.Should().Equal(Enumerable.Range(1, 100).Select(i => (long)i));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static string Gate(RunnerJob job) => job.Table.Replace("public.items", "gate", StringComparison.Ordinal);

    /// <summary>Keys 1..100 in chunks of 10; from key 55 on, each row divides by the gate table's row count.</summary>
    private static async Task<(RunnerRig Rig, SidecarProcess Sidecar, RunnerJob Job)> GatedJobAsync()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ExactlyOnceTests.CreateTableAsync(rig, Enumerable.Range(1, 100).Select(i => (long)i));
        var gate = table.Replace("items", "gate", StringComparison.Ordinal);
        await rig.Database.ExecuteAsync($"CREATE TABLE {gate} (open int)");
        var sidecar = await rig.SidecarAsync("export");
        var query = $"SELECT id, CASE WHEN id >= 55 THEN 1 / (SELECT count(*)::int FROM {gate}) ELSE 0 END AS gated FROM {table} WHERE id >= $1 AND id < $2 ORDER BY id";
        return (rig, sidecar, new RunnerJob("export", "public." + table, query));
    }
}
