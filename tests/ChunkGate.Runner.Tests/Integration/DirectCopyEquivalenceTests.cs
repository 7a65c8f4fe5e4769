using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>
/// A CSV export through runner and masking sidecar holds exactly what <c>psql \copy</c> straight
/// from PostgreSQL holds once the sidecar's column rules are applied to it: the same header once
/// per file, every row once, every unmasked value byte for byte (quotes, line breaks, CR, tabs,
/// 0x1E, multi-byte UTF-8, NULL versus empty string), the masked columns as their rules say.
/// </summary>
[Category("PostgreSQL")]
public sealed class DirectCopyEquivalenceTests
{
    private const string Columns = "id, name, ssn, email, note";
    private const string Filter = "id >= 10000";

    [TestCase(1)]
    [TestCase(2)]
    public async Task CsvExport_EqualsDirectCopy_WithTheMaskingRulesApplied(int shards)
    {
        var rig = await RunnerRig.SharedAsync();
        await SeedAsync(rig);
        var sidecar = await rig.SidecarAsync("export");
        var job = new RunnerJob("export", "public.customers", $"SELECT {Columns} FROM customers WHERE id >= $1 AND id < $2 AND {Filter}", ChunkSize: 250);
        var output = Directory.CreateTempSubdirectory("chunkgate-runner-equivalence-").FullName;
        try
        {
            var results = await RunnerProcess.RunShardsAsync(rig, sidecar, job with { Output = output }, shards);
            var direct = CsvRecords.Parse(await DirectCopyAsync(rig));

            results.Should().OnlyContain(result => result.ExitCode == 0, string.Join("\n", results.Select(result => result.ToString())));
            var expected = direct.Skip(1).Select(row => Masked(row, rig)).ToList();
            var exported = new List<string?[]>();
            for (var shard = 0; shard < shards; shard++)
            {
                var file = await File.ReadAllTextAsync(Path.Combine(output, $"job-r1-{shard}.csv"));
                var records = CsvRecords.Parse(file);
                records[0].Should().Equal(direct[0], "each file starts with COPY's header");
                records.Skip(1).Should().NotContain(row => row.SequenceEqual(direct[0]), "the header is written once per file");
                exported.AddRange(records.Skip(1));
                file.Should().NotContain("@example.com").And.NotContain("-45-", "no raw e-mail or SSN reaches the output");
            }

            expected.Should().HaveCount(1_700, "the seed's rows above the filter");
            exported.Should().HaveCount(expected.Count, "every row exactly once");
            exported.OrderBy(Key).Should().BeEquivalentTo(expected.OrderBy(Key), options => options.WithStrictOrdering());
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static long Key(string?[] row) => long.Parse(row[0]!, CultureInfo.InvariantCulture);

    /// <summary>The rig's rules: ssn last4 (stars, then the last four characters), email hash (HMAC-SHA256 with the rig's key, 16 bytes as lower-case hex).</summary>
    private static string?[] Masked(string?[] row, RunnerRig rig)
    {
        var key = File.ReadAllBytes(Path.Combine(rig.Directory, "hash.key"));
        var ssn = row[2];
        var email = row[3];
        return
        [
            row[0], row[1],
            ssn is null ? null : Last4(ssn),
            email is null ? null : Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(email)))[..32],
            row[4],
        ];
    }

    private static string Last4(string value)
    {
        var characters = value.EnumerateRunes().Select(rune => rune.ToString()).ToList();
        var kept = characters.Count > 4 ? 4 : 0;
        return new string('*', characters.Count - kept) + string.Concat(characters.Skip(characters.Count - kept));
    }

    /// <summary>
    /// 2,000 keys from 10,000 in steps of 3 (gaps, and empty chunks among them), 300 below the filter
    /// so chunks mix kept and filtered rows; values built to stress CSV quoting and masking.
    /// </summary>
    private static Task SeedAsync(RunnerRig rig) =>
        rig.Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text, ssn text, email text, note text);
            INSERT INTO customers
            SELECT 9100 + 3 * g,
              CASE g % 9 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN 'a,"b"' || E'\n' || 'c ' || g WHEN 3 THEN 'Zoë 東京 ' || g
                WHEN 4 THEN E'cr\r\nlf ' || g WHEN 5 THEN E'tab\there' WHEN 6 THEN E'\x1e' || 'rs ' || g WHEN 7 THEN '"' ELSE 'plain ' || g END,
              CASE g % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN '12' WHEN 3 THEN 'ñ123'
                ELSE lpad((g % 900)::text, 3, '0') || '-45-' || lpad((g % 10000)::text, 4, '0') END,
              CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'user' || g || '@example.com' END,
              CASE g % 5 WHEN 0 THEN 'note, "quoted"' ELSE NULL END
            FROM generate_series(0, 1999) g
            ON CONFLICT DO NOTHING;
            """);

    private static async Task<string> DirectCopyAsync(RunnerRig rig)
    {
        var server = rig.Database.Server;
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var argument in new[]
                 {
                     "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.Host, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.User, "-d", rig.Database.Name,
                     "-c", $"\\copy (SELECT {Columns} FROM customers WHERE {Filter} ORDER BY id) to stdout with (format csv, header)",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = server.Password;
        start.Environment["PGSSLMODE"] = "disable";
        start.Environment["PGCLIENTENCODING"] = "UTF8";
        using var psql = Process.Start(start)!;
        var text = psql.StandardOutput.ReadToEndAsync();
        var error = psql.StandardError.ReadToEndAsync();
        await psql.WaitForExitAsync();
        psql.ExitCode.Should().Be(0, await error);
        return await text;
    }
}
