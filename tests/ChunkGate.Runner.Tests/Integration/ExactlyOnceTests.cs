using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>Every row exactly once, across chunks and shards, through the real sidecar; tagged PostgreSQL.</summary>
[Category("PostgreSQL")]
public sealed class ExactlyOnceTests
{
    [Test]
    public async Task Export_OfSparseKeys_ReportsEveryChunkOnceAndEveryRowOnce()
    {
        long[] keys = [1, 2, 1_000, 50_000, 1_000_000];

        var (result, table) = await ExportAsync(keys, chunkSize: 100);

        result.ExitCode.Should().Be(0, result.ToString());
        KeysOf(result).Should().BeEquivalentTo(keys, options => options.WithoutStrictOrdering());
        var total = ((1_000_000 - 1) / 100) + 1;
        result.ChunkIndices.Should().BeEquivalentTo(Enumerable.Range(0, total).Select(i => (long)i), "every chunk is reported once, the empty ones with 0 rows");
        result.RecordsOf("chunk").Count(record => record.GetProperty("rows").GetInt64() > 0).Should().Be(4, "1 and 2 share chunk 0");
        result.RecordsOf("plan").Single().GetProperty("chunksTotal").GetInt64().Should().Be(total);
        result.RecordsOf("done").Single().GetProperty("rows").GetInt64().Should().Be(keys.Length);
        _ = table;
    }

    [Test]
    public async Task Export_OfAnEmptyTable_PlansNoChunkAndEndsDone()
    {
        var (result, _) = await ExportAsync([], chunkSize: 10);

        result.ExitCode.Should().Be(0, result.ToString());
        result.RecordsOf("plan").Single().GetProperty("chunksTotal").GetInt64().Should().Be(0);
        result.RecordsOf("chunk").Should().BeEmpty();
        result.RecordsOf("done").Single().GetProperty("chunks").GetInt64().Should().Be(0);
        result.Lines.Where(line => !line.StartsWith('\x1e')).Should().BeEmpty("no chunk ran, so not even a header");
    }

    [Test]
    public async Task Export_OfAKeyRangeWithGaps_ReadsEveryRowOnce()
    {
        long[] keys = [.. Range(1, 95), .. Range(300, 420), .. Range(10_000, 10_050), -7, -6];

        var (result, _) = await ExportAsync(keys, chunkSize: 25);

        result.ExitCode.Should().Be(0, result.ToString());
        KeysOf(result).Should().BeEquivalentTo(keys, options => options.WithoutStrictOrdering());
        KeysOf(result).Should().OnlyHaveUniqueItems();
        var chunks = result.RecordsOf("chunk");
        chunks.Sum(record => record.GetProperty("rows").GetInt64()).Should().Be(keys.Length);
        chunks.Select(record => record.GetProperty("from").GetInt64()).Should().BeInAscendingOrder().And.StartWith(-7L);
        chunks.All(record => record.GetProperty("to").GetInt64() - record.GetProperty("from").GetInt64() == 25).Should().BeTrue();
    }

    [Test]
    public async Task Export_WithParallelism3_ThreeRunnersShareTheChunksAndReadEveryRowOnce()
    {
        long[] keys = [.. Range(1, 1000), .. Range(5_000, 5_200), 9_999];
        var rig = await RunnerRig.SharedAsync();
        var table = await CreateTableAsync(rig, keys);
        var sidecar = await rig.SidecarAsync("export");

        var shards = await RunnerProcess.RunShardsAsync(rig, sidecar, Job(table, chunkSize: 37), 3);

        foreach (var shard in shards)
        {
            shard.ExitCode.Should().Be(0, shard.ToString());
        }

        shards.SelectMany(KeysOf).Should().BeEquivalentTo(keys, options => options.WithoutStrictOrdering());
        var total = shards[0].RecordsOf("plan").Single().GetProperty("chunksTotal").GetInt64();
        shards.SelectMany(shard => shard.ChunkIndices).Should().BeEquivalentTo(Enumerable.Range(0, (int)total).Select(i => (long)i));
        for (var s = 0; s < 3; s++)
        {
            shards[s].ChunkIndices.Should().OnlyContain(index => index % 3 == s, $"shard {s} owns the chunks i % 3 == {s}");
            shards[s].RecordsOf("plan").Single().GetProperty("chunksTotal").GetInt64().Should().Be(total, "every shard computes the same grid");
        }

        shards.Sum(shard => shard.RecordsOf("plan").Single().GetProperty("chunksOwned").GetInt64()).Should().Be(total);
    }

    internal static RunnerJob Job(string table, int chunkSize, string format = "csv") =>
        new("export", "public." + table, $"SELECT id, name FROM {table} WHERE id >= $1 AND id < $2 ORDER BY id", chunkSize, format);

    internal static async Task<string> CreateTableAsync(RunnerRig rig, IEnumerable<long> keys)
    {
        var table = RunnerRig.TableName("items");
        var values = string.Join(",", keys.Select(key => $"({key}, 'item {key}')"));
        await rig.Database.ExecuteAsync($"CREATE TABLE {table} (id bigint PRIMARY KEY, name text NOT NULL)"
            + (values.Length > 0 ? $"; INSERT INTO {table} VALUES {values}" : ""));
        return table;
    }

    internal static IEnumerable<long> KeysOf(RunnerResult result) =>
        result.CommittedRows().Select(row => long.Parse(row.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<(RunnerResult Result, string Table)> ExportAsync(long[] keys, int chunkSize)
    {
        var rig = await RunnerRig.SharedAsync();
        var table = await CreateTableAsync(rig, keys);
        var sidecar = await rig.SidecarAsync("export");
        return (await RunnerProcess.RunAsync(rig, sidecar, Job(table, chunkSize)), table);
    }

    private static IEnumerable<long> Range(long first, long last)
    {
        for (var key = first; key <= last; key++)
        {
            yield return key;
        }
    }
}
