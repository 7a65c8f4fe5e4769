using ChunkGate.Sidecar.Tests.Support;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Testing.Postgres;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>
/// Every masked value must be a valid value of its column type: PostgreSQL itself is the judge.
/// Real values are read with COPY TO (binary and text), masked, and written back with COPY FROM
/// into a table of the same column types; PostgreSQL's input/receive functions reject anything
/// malformed (wrong width, bad numeric, bad date, too long for varchar(n)…).
/// </summary>
[Category("PostgreSQL")]
public sealed class TypeValidityTests
{
    private const string Columns = """
        i2 int2, i4 int4, i8 int8, num numeric(12,2), small_num numeric(5,2), f4 float4, f8 float8, b bool, d date, t time,
        ts timestamp, tstz timestamptz, iv interval, u uuid, by bytea, tx text, vc varchar(20), short_vc varchar(6), bc char(12),
        j json, jb jsonb, arr text[], addr inet
        """;

    private const string Sample = """
        INSERT INTO samples VALUES (-1234, 123456789, -9876543210, 1234567.89, -123.45, 1.5, -2.25, true, '1985-07-14', '13:45:00',
          '2024-05-01 10:00:00', '2024-05-01 10:00:00+02', '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\xdeadbeef',
          'Zoë 123-45-6789', '4111111111111111', 'abc123', 'ab cd', '{"ssn":"123-45-6789"}', '{"email":"a@example.com"}',
          ARRAY['x','123-45-6789'], '10.0.0.1'),
          (NULL, 0, 0, 0, 0, 0, 0, false, '2000-01-01', '00:00', '2000-01-01', '2000-01-01Z', '0', '00000000-0000-0000-0000-000000000000', '',
          '', '', '', '', 'null', '{}', '{}', '::1');
        """;

    private string connectionString = string.Empty;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        var server = await PostgresServer.SharedAsync();
        connectionString = server.ConnectionStringFor(await server.CreateDatabaseAsync("masking_types"));
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE TABLE samples ({Columns}); CREATE TABLE sink (LIKE samples); {Sample}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<(ResultMasker Masker, ColumnPlan Plan)> PlanAsync(NpgsqlConnection connection, MaskingStrategy strategy)
    {
        var names = new List<string>();
        await using (var columns = new NpgsqlCommand("SELECT attname::text FROM pg_attribute WHERE attrelid = 'samples'::regclass AND attnum > 0 ORDER BY attnum", connection))
        await using (var reader = await columns.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        var policy = new MaskingPolicy(names.Select(name => new ColumnRule("public", "samples", name, strategy)).ToList(), DetectorKinds.All, Encoding.ASCII.GetBytes("validity-key-validity-key"));
        var resolution = await CatalogResolver.ResolveAsync(connection, policy, CancellationToken.None);
        resolution.Warnings.Should().BeEmpty();
        CopyStatements.TryParse("COPY samples TO STDOUT", out var copy).Should().BeTrue();
        var fields = (await CopyColumnDescriber.DescribeAsync(connection, copy!, CancellationToken.None))!;
        var masker = new ResultMasker(policy, resolution.Columns);
        return (masker, masker.Plan(fields));
    }

    [TestCase("redact")]
    [TestCase("last4")]
    [TestCase("hash")]
    [TestCase("null")]
    public async Task MaskedBinaryValues_AreAcceptedByPostgres(string strategyName)
    {
        var strategy = Strategy(strategyName);
        await using var connection = await OpenAsync();
        var (masker, textPlan) = await PlanAsync(connection, strategy);
        using var _ = masker;
        var binaryFields = textPlan.Columns.ToArray().Select(column => new FieldDescription(0, 0, column.TypeOid, -1, column.TypeModifier, 1)).ToArray();
        var binaryPlan = new ColumnPlan(textPlan.Columns.ToArray().Select(column => column with { IsBinary = true }).ToArray());
        binaryFields.Should().HaveCount(23);

        byte[] source;
        await using (var export = await connection.BeginRawBinaryCopyAsync("COPY samples TO STDOUT (FORMAT binary)"))
        {
            var buffer = new MemoryStream();
            await export.CopyToAsync(buffer);
            source = buffer.ToArray();
        }

        var masked = new ArrayBufferWriter<byte>();
        masked.Write(source.AsSpan(0, 19));
        var position = 19;
        var rows = 0;
        while (BinaryPrimitives.ReadInt16BigEndian(source.AsSpan(position)) is var count && count != -1)
        {
            var tupleStart = position;
            position += 2;
            for (var field = 0; field < count; field++)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(source.AsSpan(position));
                position += 4 + Math.Max(length, 0);
            }

            // A binary COPY tuple is a DataRow body: reuse the DataRow masker and strip the message header.
            var row = new ArrayBufferWriter<byte>();
            masker.MaskDataRow(binaryPlan, new ReadOnlySequence<byte>(source, tupleStart, position - tupleStart), row).Should().BeGreaterThan(0);
            masked.Write(row.WrittenSpan[5..]);
            rows++;
        }

        masked.Write<byte>([0xFF, 0xFF]);
        rows.Should().Be(2);

        await using (var truncate = new NpgsqlCommand("TRUNCATE sink", connection))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        await using (var import = await connection.BeginRawBinaryCopyAsync("COPY sink FROM STDIN (FORMAT binary)"))
        {
            await import.WriteAsync(masked.WrittenMemory);
        }

        await using var check = new NpgsqlCommand("SELECT count(*) FROM sink WHERE tx IS DISTINCT FROM (SELECT tx FROM samples LIMIT 1)", connection);
        ((long)(await check.ExecuteScalarAsync())!).Should().Be(2, "every row was masked and accepted");
        await AssertNoRawValueAsync(connection);
    }

    [TestCase("redact", "text")]
    [TestCase("last4", "text")]
    [TestCase("hash", "text")]
    [TestCase("null", "text")]
    [TestCase("hash", "csv")]
    [TestCase("last4", "csv")]
    public async Task MaskedCopyTextRows_AreAcceptedByPostgres(string strategyName, string format)
    {
        var strategy = Strategy(strategyName);
        await using var connection = await OpenAsync();
        var (masker, plan) = await PlanAsync(connection, strategy);
        using var _ = masker;
        var copyFormat = format == "csv" ? CopyFormat.Csv : CopyFormat.Text;
        var delimiter = format == "csv" ? (byte)',' : (byte)'\t';

        var lines = new List<string>();
        using (var export = await connection.BeginTextExportAsync($"COPY samples TO STDOUT (FORMAT {format})"))
        {
            while (await export.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }

        var maskedRows = new StringBuilder();
        foreach (var line in lines)
        {
            var output = new ArrayBufferWriter<byte>();
            masker.MaskCopyData(plan, copyFormat, delimiter, Encoding.UTF8.GetBytes(line + "\n"), output).Should().BeGreaterThan(0);
            maskedRows.Append(Encoding.UTF8.GetString(output.WrittenSpan[5..]));
        }

        await using (var truncate = new NpgsqlCommand("TRUNCATE sink", connection))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        await using (var import = await connection.BeginTextImportAsync($"COPY sink FROM STDIN (FORMAT {format})"))
        {
            await import.WriteAsync(maskedRows.ToString());
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM sink", connection);
        ((long)(await count.ExecuteScalarAsync())!).Should().Be(2);
        await AssertNoRawValueAsync(connection);
    }

    private static MaskingStrategy Strategy(string name) => name switch
    {
        "redact" => MaskingStrategy.Redact,
        "last4" => MaskingStrategy.Last4,
        "hash" => MaskingStrategy.Hash,
        _ => MaskingStrategy.Null,
    };

    private static async Task AssertNoRawValueAsync(NpgsqlConnection connection)
    {
        await using var dump = new NpgsqlCommand("SELECT string_agg(sink::text, E'\\n') FROM sink", connection);
        var text = (await dump.ExecuteScalarAsync()) as string ?? string.Empty;
        foreach (var raw in new[] { "123-45-6789", "4111111111111111", "a0eebc99", "deadbeef", "1985-07-14", "a@example.com", "123456789" })
        {
            text.Should().NotContain(raw);
        }
    }
}
