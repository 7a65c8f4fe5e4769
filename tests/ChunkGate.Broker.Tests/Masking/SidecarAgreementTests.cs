using System.Globalization;
using System.Text;
using ChunkGate.Api.Connections;
using ChunkGate.Broker.Tests.Support;
using ChunkGate.Sidecar.Masking;
using Npgsql;

namespace ChunkGate.Broker.Tests.Masking;

/// <summary>
/// The masking views compute in SQL what the sidecar's <see cref="MaskedValueWriter"/> writes for
/// the same value and key: a value reads the same whichever layer masked it (and hashed values
/// still join across layers). Each value is masked by the view and by the sidecar's own code.
/// </summary>
[Category("PostgreSQL")]
public sealed class SidecarAgreementTests
{
    private static readonly (string Name, string Type)[] Columns =
    [
        ("t", "text"), ("v", "varchar(12)"), ("c", "char(10)"), ("n", "numeric(12,2)"), ("nn", "numeric"),
        ("i4", "int"), ("i8", "bigint"), ("i2", "smallint"), ("f8", "float8"), ("d", "date"), ("ts", "timestamp"),
        ("tz", "timestamptz"), ("u", "uuid"), ("j", "jsonb"), ("b", "boolean"),
    ];

    private const string Setup = """
        CREATE SCHEMA mix;
        CREATE TABLE mix.samples (id int PRIMARY KEY, t text, v varchar(12), c char(10), n numeric(12,2), nn numeric, i4 int, i8 bigint, i2 smallint,
                                  f8 float8, d date, ts timestamp, tz timestamptz, u uuid, j jsonb, b boolean);
        INSERT INTO mix.samples VALUES
          (1, '123-45-6789', 'alice@x.org', 'ab', 1234567.89, 98765.4321, 123456789, -9000000000123, -12345, 3.14159, '2024-02-29', '2024-05-06 07:08:09', '2024-05-06 07:08:09.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2]}', true),
          (2, 'Zoë Ünïcode ✓', '', 'abcdefghij', -0.5, 0, -1, 0, 7, -1e100, '1970-01-01', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000001', '"x"', false),
          (3, 'x', 'abcd', 'tiny', 42, 1e20, 2147483647, 9223372036854775807, 0, 0, '2000-01-01', '2200-01-01 00:00:00', '1900-06-01 12:00:00-05', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '[]', true),
          (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """;

    private BrokerDatabase database = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await BrokerDatabase.CreateAsync(masked: false);
        await using var command = database.Admin.CreateCommand(Setup);
        await command.ExecuteNonQueryAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await database.DisposeAsync();

    [TestCase(MaskStrategy.Hash)]
    [TestCase(MaskStrategy.Last4)]
    [TestCase(MaskStrategy.Redact)]
    [TestCase(MaskStrategy.Null)]
    public async Task View_MasksEveryTypeExactlyAsTheSidecarDoes(MaskStrategy strategy)
    {
        await database.Masking.ApplyAsync(
            Columns.Select(column => new ColumnMask { Column = $"mix.samples.{column.Name}", Strategy = strategy }).ToList(), BrokerDatabase.HashKey);
        using var hasher = new ValueHasher(BrokerDatabase.HashKey);

        var (compared, mismatches) = await CompareAsync(strategy, hasher);

        mismatches.Should().BeEmpty();
        compared.Should().Be(4 * Columns.Length);
    }

    /// <summary>
    /// The operator's keys are random bytes, so one in 128 ends in 0x0A or 0x0D. The sidecar reads
    /// its key from the run Secret's file and must hash with every byte the views hash with (it used
    /// to trim a trailing newline, and hashed differently from the views for those connections).
    /// </summary>
    [TestCase((byte)'\n')]
    [TestCase((byte)'\r')]
    public async Task HashView_AgreesWithTheSidecarReadingItsKeyFile_WhenTheKeyEndsInALineBreakByte(byte last)
    {
        byte[] key = [.. System.Security.Cryptography.RandomNumberGenerator.GetBytes(31), last];
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(keyFile, key);
            await database.Masking.ApplyAsync(
                Columns.Select(column => new ColumnMask { Column = $"mix.samples.{column.Name}", Strategy = MaskStrategy.Hash }).ToList(), key);
            var policy = MaskingPolicy.Parse(System.Text.Json.JsonDocument.Parse(
                System.Text.Json.JsonSerializer.Serialize(new { columns = new[] { new { column = "mix.samples.t", strategy = "hash" } }, hashKeyFile = keyFile })).RootElement);
            using var hasher = new ValueHasher(policy.HashKey);

            var (compared, mismatches) = await CompareAsync(MaskStrategy.Hash, hasher);

            mismatches.Should().BeEmpty();
            compared.Should().Be(4 * Columns.Length);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    /// <summary>Every value of mix.samples as the view masks it against the sidecar's masking with <paramref name="hasher"/>.</summary>
    private async Task<(int Compared, List<string> Mismatches)> CompareAsync(MaskStrategy strategy, ValueHasher hasher)
    {
        var raw = await ReadTextAsync("mix.samples");
        var viewed = await ReadTextAsync("chunkgate_masked.samples");
        var types = await TypesAsync();
        var compared = 0;
        var mismatches = new List<string>();
        foreach (var (row, values) in raw)
        {
            foreach (var (name, _) in Columns)
            {
                var expected = SidecarMask(strategy, types[name], values[name], hasher);
                if (!Same(types[name].Oid, viewed[row][name], expected))
                {
                    mismatches.Add($"{name} = '{values[name]}': view gave '{viewed[row][name]}', sidecar '{expected}'");
                }

                compared++;
            }
        }

        return (compared, mismatches);
    }

    /// <summary>The sidecar's masking of one text-format value, as text (null for SQL NULL).</summary>
    private static string? SidecarMask(MaskStrategy strategy, (uint Oid, int Modifier) type, string? value, ValueHasher hasher)
    {
        if (value is null)
        {
            return null;
        }

        var input = Encoding.UTF8.GetBytes(value);
        var output = new byte[Math.Max(input.Length, MaskedValueWriter.MaxOutputLength)];
        var written = MaskedValueWriter.Write(Enum.Parse<MaskingStrategy>(strategy.ToString()), type.Oid, type.Modifier, false, input, output, hasher);
        return written < 0 ? null : Encoding.UTF8.GetString(output, 0, written);
    }

    /// <summary>Equal values: numbers compared as numbers (the sidecar writes 42 where numeric(12,2) prints 42.00).</summary>
    private static bool Same(uint oid, string? view, string? sidecar)
    {
        if (view is null || sidecar is null)
        {
            return view is null && sidecar is null;
        }

        return oid is 700 or 701 or 1700
            ? double.Parse(view, CultureInfo.InvariantCulture) == double.Parse(sidecar, CultureInfo.InvariantCulture)
            : view == sidecar;
    }

    private async Task<Dictionary<int, Dictionary<string, string?>>> ReadTextAsync(string relation)
    {
        // Text as PostgreSQL sends it to a text-format client: char(n) padded, booleans as t/f, timestamptz in UTC.
        var items = Columns.Select(column => column.Name switch
        {
            "c" => "rpad(c::text, 10)",
            "b" => "CASE WHEN b THEN 't' WHEN NOT b THEN 'f' END",
            _ => $"{column.Name}::text",
        });
        await using var connection = await database.Admin.OpenConnectionAsync();
        await using (var zone = new NpgsqlCommand("SET TimeZone = 'UTC'", connection))
        {
            await zone.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand($"SELECT id, {string.Join(", ", items)} FROM {relation} ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<int, Dictionary<string, string?>>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetInt32(0)] = Columns.Select((column, index) => (column.Name, Value: reader.IsDBNull(index + 1) ? null : reader.GetString(index + 1)))
                .ToDictionary(pair => pair.Name, pair => pair.Value);
        }

        return rows;
    }

    private async Task<Dictionary<string, (uint Oid, int Modifier)>> TypesAsync()
    {
        await using var command = database.Admin.CreateCommand("SELECT attname::text, atttypid, atttypmod FROM pg_attribute WHERE attrelid = 'mix.samples'::regclass AND attnum > 0");
        await using var reader = await command.ExecuteReaderAsync();
        var types = new Dictionary<string, (uint, int)>();
        while (await reader.ReadAsync())
        {
            types[reader.GetString(0)] = (reader.GetFieldValue<uint>(1), reader.GetInt32(2));
        }

        return types;
    }
}
