using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ChunkGate.Benchmarks.Sidecar;
using ChunkGate.Testing.Postgres;
using ChunkGate.Testing.Processes;
using Npgsql;

namespace ChunkGate.Benchmarks.Runner;

/// <summary>
/// A 1,000,000-row CSV export by the runner through the real sidecar (a run Pod's: SSN and e-mail
/// columns masked, detectors on) into a file, against <c>psql \copy (…) to FILE (csv)</c> straight
/// to PostgreSQL, in the same run on the same server; also two runner shards at once, the same
/// export through a sidecar without masking, and psql copying the runner's 20 chunks one COPY after
/// another (what chunking costs with neither runner nor sidecar). Rounds are interleaved and the best of each path is
/// kept, so drift on a shared machine hits them alike; the median of the per-round ratios is printed
/// too. CPU seconds per million rows for the runner and psql (user + system, from the shell's
/// <c>times</c>), the sidecar and PostgreSQL (/proc), and for each whole path (client, sidecar,
/// server), which load on the machine changes far less than it changes rates.
/// </summary>
internal sealed class RunnerBenchSuite : IBenchSuite
{
    private const int Rows = 1_000_000;
    private const int ChunkSize = 50_000;
    private const int Rounds = 5;
    private const string Columns = "id, name, ssn, email, amount";

    public string Name => "runner";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var pg = await PostgresServer.SharedAsync();
        var database = await pg.CreateDatabaseAsync("bench_runner", cancellationToken);
        var role = "cg_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var work = Directory.CreateTempSubdirectory("chunkgate-runner-bench-").FullName;
        Process? masked = null;
        Process? plain = null;
        try
        {
            report.Note($"preparing {database}: {Rows:N0} rows");
            await PrepareAsync(pg, database, role, password, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(work, "username"), role, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(work, "password"), password, cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(work, "hash.key"), RandomNumberGenerator.GetBytes(32), cancellationToken);
            var maskedPort = BenchProcesses.FreePort();
            masked = await StartSidecarAsync(work, maskedPort, pg, database, masking: true);
            var plainPort = BenchProcesses.FreePort();
            plain = await StartSidecarAsync(work, plainPort, pg, database, masking: false);
            var maskedMeter = new ProcessMeter(masked.Id);
            PostgresCpu postgres;
            await using (var admin = new NpgsqlConnection(pg.ConnectionString))
            {
                await admin.OpenAsync(cancellationToken);
                postgres = await PostgresCpu.ForAsync(admin, cancellationToken);
            }

            // Warm-up (JIT of both sidecars, the server's cache), untimed.
            await RunnerAsync(work, maskedPort, database, shards: 1);
            await RunnerAsync(work, plainPort, database, shards: 1);
            await CopyAsync(pg, database, role, password, work);

            double direct = 0, single = 0, parallel = 0, unmasked = 0, directChunked = 0;
            double runnerCpu = 0, parallelCpu = 0, sidecarCpu = 0, directPathCpu = 0, runnerPathCpu = 0;
            // Per round: the runner's rate over the direct rate measured just before it, under about the same load.
            var paired = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                var serverBefore = postgres.Take();
                var (directRate, psqlCpu) = await CopyAsync(pg, database, role, password, work);
                direct = Math.Max(direct, directRate);
                directPathCpu += psqlCpu + (postgres.Take() - serverBefore).TotalSeconds;

                serverBefore = postgres.Take();
                var before = maskedMeter.CpuSeconds();
                var (rate, cpu) = await RunnerAsync(work, maskedPort, database, shards: 1);
                var sidecarSpent = maskedMeter.CpuSeconds() - before;
                sidecarCpu += sidecarSpent;
                runnerPathCpu += cpu + sidecarSpent + (postgres.Take() - serverBefore).TotalSeconds;
                single = Math.Max(single, rate);
                paired.Add(rate / directRate);
                runnerCpu += cpu;

                var (parallelRate, cpuBoth) = await RunnerAsync(work, maskedPort, database, shards: 2);
                parallel = Math.Max(parallel, parallelRate);
                parallelCpu += cpuBoth;

                unmasked = Math.Max(unmasked, (await RunnerAsync(work, plainPort, database, shards: 1)).RowsPerSecond);
                directChunked = Math.Max(directChunked, (await CopyAsync(pg, database, role, password, work, chunked: true)).RowsPerSecond);
            }

            report.Figure("runner.export_1m.copy_direct_rows_per_s", direct);
            report.Figure("runner.export_1m.runner_rows_per_s", single);
            report.Figure("runner.export_1m.rows_ratio", single / direct);
            report.Figure("runner.export_1m.rows_ratio_median_of_rounds", Percentiles.Of(paired, 0.5));
            report.Figure("runner.export_1m_parallel2.rows_ratio", parallel / direct);
            report.Figure("runner.export_1m_nomask.rows_ratio", unmasked / direct);
            report.Figure("runner.export_1m_psql_chunked.rows_ratio", directChunked / direct);
            report.Figure("runner.export_1m.rows_ratio_vs_psql_chunked", single / directChunked);
            report.Figure("runner.export_1m.runner_cpu_s_per_1m_rows", runnerCpu / Rounds * 1_000_000 / Rows);
            report.Figure("runner.export_1m_parallel2.runner_cpu_s_per_1m_rows", parallelCpu / Rounds * 1_000_000 / Rows);
            report.Figure("runner.export_1m.sidecar_cpu_s_per_1m_rows", sidecarCpu / Rounds * 1_000_000 / Rows);
            report.Figure("runner.export_1m.direct_path_cpu_s_per_1m_rows", directPathCpu / Rounds * 1_000_000 / Rows);
            report.Figure("runner.export_1m.runner_path_cpu_s_per_1m_rows", runnerPathCpu / Rounds * 1_000_000 / Rows);
        }
        finally
        {
            BenchProcesses.Stop(masked);
            BenchProcesses.Stop(plain);
            await DropAsync(pg, database, role);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One export by <paramref name="shards"/> runner processes at once; rows per second over the wall time of all, and their CPU seconds.</summary>
    private static async Task<(double RowsPerSecond, double CpuSeconds)> RunnerAsync(string work, int port, string database, int shards)
    {
        var output = Directory.CreateDirectory(Path.Combine(work, "out-" + Guid.NewGuid().ToString("N"))).FullName;
        var spec = JsonSerializer.Serialize(new
        {
            connectionRef = new { name = "bench" },
            action = "export",
            tables = new[] { "public.customers" },
            chunking = new { table = "public.customers", keyColumn = "id", chunkSize = ChunkSize },
            query = $"SELECT {Columns} FROM customers WHERE id >= $1 AND id < $2",
            output = new { format = "csv" },
        });
        var (program, arguments) = ComponentBuild.Program("ChunkGate.Runner");
        var runner = string.Join(' ', new[] { program }.Concat(arguments).Select(part => $"'{part}'"));
        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, shards).Select(shard => BenchProcesses.RunAsync("bash", ["-c", $"{runner} >/dev/null; status=$?; times; exit $status"],
            new Dictionary<string, string>
            {
                ["PGHOST"] = "127.0.0.1",
                ["PGPORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["PGDATABASE"] = database,
                ["PGUSER"] = "chunkgate",
                ["PGSSLMODE"] = "disable",
                ["CHUNKGATE_JOB"] = "bench/export",
                ["CHUNKGATE_RUN"] = "r1",
                ["CHUNKGATE_EXPIRES_AT"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
                ["CHUNKGATE_JOB_SPEC"] = spec,
                ["CHUNKGATE_SHARD"] = shard.ToString(CultureInfo.InvariantCulture),
                ["CHUNKGATE_SHARDS"] = shards.ToString(CultureInfo.InvariantCulture),
                ["CHUNKGATE_OUTPUT"] = output,
            })));
        watch.Stop();
        var cpu = 0.0;
        foreach (var (exit, text, error) in results)
        {
            if (exit != 0)
            {
                throw new InvalidOperationException($"the runner exited with {exit}: {error}");
            }

            cpu += ChildCpuSeconds(text);
        }

        var lines = Directory.EnumerateFiles(output).Sum(file => File.ReadLines(file).LongCount() - 1);
        Directory.Delete(output, recursive: true);
        return lines == Rows
            ? (Rows / watch.Elapsed.TotalSeconds, cpu)
            : throw new InvalidOperationException($"the runner wrote {lines} rows, expected {Rows}");
    }

    /// <summary>
    /// <c>psql \copy</c> of the same columns straight to PostgreSQL into files: the whole table in
    /// one COPY, or, <paramref name="chunked"/>, one COPY per chunk of the runner's grid in one session
    /// (what chunking costs without runner or sidecar). Rows per second and psql's CPU seconds.
    /// </summary>
    private static async Task<(double RowsPerSecond, double CpuSeconds)> CopyAsync(PostgresServer pg, string database, string role, string password, string work, bool chunked = false)
    {
        var output = Directory.CreateDirectory(Path.Combine(work, "direct-" + Guid.NewGuid().ToString("N"))).FullName;
        var script = Path.Combine(output, "copy.sql");
        await File.WriteAllLinesAsync(script, chunked
            ? Enumerable.Range(0, Rows / ChunkSize).Select(chunk =>
                $"\\copy (SELECT {Columns} FROM customers WHERE id >= {1 + (chunk * ChunkSize)} AND id < {1 + ((chunk + 1) * ChunkSize)}) to '{output}/{chunk}.csv' with (format csv)")
            : [$"\\copy (SELECT {Columns} FROM customers) to '{output}/all.csv' with (format csv)"]);
        var watch = Stopwatch.StartNew();
        var (exit, text, error) = await BenchProcesses.RunAsync("bash",
            ["-c", "psql -X -q -v ON_ERROR_STOP=1 -h \"$0\" -p \"$1\" -U \"$2\" -d \"$3\" -f \"$4\"; status=$?; times; exit $status", pg.Host, pg.Port.ToString(CultureInfo.InvariantCulture), role, database, script],
            new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGSSLMODE"] = "disable" });
        watch.Stop();
        if (exit != 0)
        {
            throw new InvalidOperationException($"psql \\copy failed: {error}");
        }

        var lines = Directory.EnumerateFiles(output, "*.csv").Sum(file => File.ReadLines(file).LongCount());
        Directory.Delete(output, recursive: true);
        return lines == Rows
            ? (Rows / watch.Elapsed.TotalSeconds, ChildCpuSeconds(text))
            : throw new InvalidOperationException($"psql wrote {lines} rows, expected {Rows}");
    }

    /// <summary>The second line of bash's <c>times</c>: the children's user and system time, e.g. <c>0m1.234s 0m0.120s</c>.</summary>
    private static double ChildCpuSeconds(string timesOutput)
    {
        var children = timesOutput.TrimEnd().Split('\n')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Sum(part =>
        {
            var minutes = part.IndexOf('m', StringComparison.Ordinal);
            return (double.Parse(part[..minutes], CultureInfo.InvariantCulture) * 60) + double.Parse(part[(minutes + 1)..^1], CultureInfo.InvariantCulture);
        });
    }

    private static async Task PrepareAsync(PostgresServer pg, string database, string role, string password, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionStringFor(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            CREATE TABLE customers (id bigint PRIMARY KEY, name text, ssn text, email text, amount numeric(12,2));
            INSERT INTO customers SELECT g, 'customer ' || g, lpad((g % 900)::text, 3, '0') || '-' || lpad((g % 90)::text, 2, '0') || '-' || lpad((g % 10000)::text, 4, '0'),
              'user' || g || '@example.com', g / 100.0 FROM generate_series(1, {Rows}) g;
            ANALYZE customers;
            GRANT SELECT ON customers TO {role};
            """, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Process> StartSidecarAsync(string work, int port, PostgresServer pg, string database, bool masking)
    {
        var config = new Dictionary<string, object?>
        {
            ["listen"] = $"127.0.0.1:{port}",
            ["upstream"] = new { host = pg.Host, port = pg.Port, database, sslMode = "disable" },
            ["credential"] = new { usernameFile = Path.Combine(work, "username"), passwordFile = Path.Combine(work, "password") },
            ["action"] = "export",
            ["expiresAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        };
        if (masking)
        {
            config["masking"] = new
            {
                columns = new[] { new { column = "public.customers.ssn", strategy = "last4" }, new { column = "public.customers.email", strategy = "hash" } },
                detectors = new[] { "ssn", "card", "email" },
                hashKeyFile = Path.Combine(work, "hash.key"),
            };
        }

        var path = Path.Combine(work, $"sidecar-{port}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return await BenchProcesses.StartSidecarAsync(path, port, "the sidecar");
    }

    private static async Task DropAsync(PostgresServer pg, string database, string role)
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
        command.CommandText = $"DROP ROLE IF EXISTS {role}";
        await command.ExecuteNonQueryAsync();
    }
}
