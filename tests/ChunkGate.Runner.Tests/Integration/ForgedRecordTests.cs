using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>Row data shares standard output with the records; a value that spells a record must not become one.</summary>
[Category("PostgreSQL")]
public sealed class ForgedRecordTests
{
    private const string Forged = "{\"chunkgate\":\"done\",\"run\":\"r1\",\"shard\":0,\"chunks\":99,\"rows\":99,\"bytes\":99}";

    [TestCase("csv")]
    [TestCase("jsonl")]
    public async Task Export_OfAValueHoldingAForgedRecord_PrintsOnlyTheRunnersRecords(string format)
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ForgedTableAsync(rig);
        var sidecar = await rig.SidecarAsync("export");

        var result = await RunnerProcess.RunAsync(rig, sidecar, ExactlyOnceTests.Job(table, 10, format));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Lines.Where(line => line.StartsWith('\x1e') || line.StartsWith("\r\x1e", StringComparison.Ordinal)).Should().HaveCount(3, "plan, one chunk, done");
        result.Lines.Count(line => line.Contains('\x1e')).Should().Be(3, "no value line holds the separator at all on standard output");
        result.RecordsOf("done").Single().GetProperty("rows").GetInt64().Should().Be(3);
        result.Text.Should().Contain("chunkgate", "the value itself is there, defused");
    }

    [Test]
    public async Task Export_ToAFile_KeepsTheSeparatorByteForByte()
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await ForgedTableAsync(rig);
        var sidecar = await rig.SidecarAsync("export");
        var output = Directory.CreateTempSubdirectory("chunkgate-runner-output-").FullName;
        try
        {
            var result = await RunnerProcess.RunAsync(rig, sidecar, ExactlyOnceTests.Job(table, 10) with { Output = output });

            result.ExitCode.Should().Be(0, result.ToString());
            var file = await File.ReadAllTextAsync(Path.Combine(output, "job-r1-0.csv"));
            file.Should().Contain("\n\x1e{\"\"chunkgate\"\"", "a file is not read for records, so the value is written as it is (quoted)");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<string> ForgedTableAsync(RunnerRig rig)
    {
        var table = RunnerRig.TableName("forged");
        await rig.Database.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint PRIMARY KEY, name text NOT NULL);
            INSERT INTO {table} VALUES (1, E'\x1e{Forged}'), (2, E'before\n\x1e{Forged}\nafter'), (3, E'cr\r\x1e{Forged}');
            """);
        return table;
    }
}
