using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ChunkGate.Testing.Postgres;
using Npgsql;

namespace ChunkGate.Benchmarks.Sidecar;

/// <summary>
/// The masking sidecar against direct PostgreSQL and PgBouncer (session mode), side by side in
/// one run against the same server: pgbench -S TPS and latency, a 1,000,000-row read with and
/// without masking, large single rows, and the sidecar's CPU and peak memory per case.
/// </summary>
internal sealed class SidecarBenchSuite : IBenchSuite
{
    private const int PgbenchSeconds = 8;
    private const int LatencySeconds = 5;
    private const int MillionRows = 1_000_000;
    private const int ThroughputRounds = 3;

    public string Name => "sidecar";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ParserCost.Measure(report, "sidecar.parser");
        var pg = await PostgresServer.SharedAsync();
        var database = await pg.CreateDatabaseAsync("bench_sidecar", cancellationToken);
        var role = "cg_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var work = Directory.CreateTempSubdirectory("chunkgate-sidecar-bench-").FullName;
        Process? plain = null;
        Process? masked = null;
        Process? bouncer = null;
        try
        {
            report.Note($"preparing {database}: pgbench scale 1, {MillionRows:N0}-row table, 8 KB and 64 KB rows");
            await PrepareDatabaseAsync(pg, database, role, password, cancellationToken);
            var credentialDirectory = Path.Combine(work, "credential");
            Directory.CreateDirectory(credentialDirectory);
            await File.WriteAllTextAsync(Path.Combine(credentialDirectory, "username"), role, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(credentialDirectory, "password"), password, cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(work, "hash.key"), RandomNumberGenerator.GetBytes(32), cancellationToken);

            var plainPort = BenchProcesses.FreePort();
            plain = await StartSidecarAsync(work, "plain", plainPort, pg, database, credentialDirectory, masking: false);
            var maskedPort = BenchProcesses.FreePort();
            masked = await StartSidecarAsync(work, "masked", maskedPort, pg, database, credentialDirectory, masking: true);
            var bouncerPort = await StartPgbouncerAsync(work, pg, database, role, password, report);
            bouncer = bouncerPort.Process;

            var meter = new ProcessMeter(plain.Id);
            var bouncerMeter = bouncerPort.ProcessId is { } bouncerId ? new ProcessMeter(bouncerId) : null;
            var maskedMeter = new ProcessMeter(masked.Id);

            foreach (var clients in new[] { 1, 10 })
            {
                var before = meter.CpuSeconds();
                meter.ResetPeak();
                var direct = await Pgbench.TpsAsync(pg.Port, role, password, database, clients, PgbenchSeconds);
                var sidecar = await Pgbench.TpsAsync(plainPort, "job", "", database, clients, PgbenchSeconds);
                report.Figure($"sidecar.pgbench.c{clients}.tps_direct", direct);
                report.Figure($"sidecar.pgbench.c{clients}.tps_sidecar", sidecar);
                report.Figure($"sidecar.pgbench.c{clients}.tps_ratio", sidecar / direct);
                var pgbenchCpu = meter.CpuSeconds() - before;
                report.Figure($"sidecar.cpu_seconds.pgbench_c{clients}", pgbenchCpu);

                // CPU per transaction is steadier than the TPS ratios on a busy 2-core machine, and
                // compares the two proxies' own cost directly.
                report.Figure($"sidecar.pgbench.c{clients}.cpu_us_per_tx", pgbenchCpu * 1e6 / (sidecar * PgbenchSeconds));
                report.Figure($"sidecar.peak_rss_mb.pgbench_c{clients}", meter.PeakRssMegabytes());
                if (bouncerPort.Port is { } port)
                {
                    var bouncerBefore = bouncerMeter?.CpuSeconds() ?? 0;
                    var viaBouncer = await Pgbench.TpsAsync(port, "job", "", database, clients, PgbenchSeconds);
                    report.Figure($"sidecar.pgbouncer.c{clients}.tps", viaBouncer);
                    if (bouncerMeter is not null)
                    {
                        report.Figure($"sidecar.pgbouncer.c{clients}.cpu_us_per_tx", (bouncerMeter.CpuSeconds() - bouncerBefore) * 1e6 / (viaBouncer * PgbenchSeconds));
                    }

                    report.Figure($"sidecar.pgbouncer.c{clients}.tps_ratio", viaBouncer / direct);
                }
            }

            var directLatency = await Pgbench.LatenciesAsync(pg.Port, role, password, database, LatencySeconds);
            var sidecarLatency = await Pgbench.LatenciesAsync(plainPort, "job", "", database, LatencySeconds);
            report.Figure("sidecar.latency.c1.p50_direct_us", Pgbench.Percentile(directLatency, 50));
            report.Figure("sidecar.latency.c1.p50_added_us", Pgbench.Percentile(sidecarLatency, 50) - Pgbench.Percentile(directLatency, 50));
            report.Figure("sidecar.latency.c1.p99_added_us", Pgbench.Percentile(sidecarLatency, 99) - Pgbench.Percentile(directLatency, 99));

            var directConnection = Connection(pg.Host, pg.Port, role, password, database);
            var plainConnection = Connection("127.0.0.1", plainPort, "job", null, database);
            var maskedConnection = Connection("127.0.0.1", maskedPort, "job", null, database);

            // The bench's own client is warmed up first, so the masked sidecar's first read (its
            // first query since start: JIT warm-up included, as in a fresh run Pod) is timed alone.
            await RowsPerSecondAsync(directConnection, cancellationToken);
            var maskedFirst = await RowsPerSecondAsync(maskedConnection, cancellationToken);

            // Then steady state: the three paths interleaved, best round of each, so drift on a
            // shared machine hits them alike.
            var plainCpu = meter.CpuSeconds();
            var maskedCpu = maskedMeter.CpuSeconds();
            meter.ResetPeak();
            maskedMeter.ResetPeak();
            double directRate = 0, plainRate = 0, maskedRate = 0;
            for (var round = 0; round < ThroughputRounds; round++)
            {
                directRate = Math.Max(directRate, await RowsPerSecondAsync(directConnection, cancellationToken));
                plainRate = Math.Max(plainRate, await RowsPerSecondAsync(plainConnection, cancellationToken));
                maskedRate = Math.Max(maskedRate, await RowsPerSecondAsync(maskedConnection, cancellationToken));
            }

            const double RowsRead = ThroughputRounds * (double)MillionRows;
            report.Figure("sidecar.select1m.direct_rows_per_s", directRate);
            report.Figure("sidecar.select1m.nomask.rows_ratio", plainRate / directRate);
            report.Figure("sidecar.select1m.masked.rows_ratio", maskedRate / directRate);
            report.Figure("sidecar.select1m.masked.first_read_rows_ratio", maskedFirst / directRate);
            report.Figure("sidecar.cpu_ns_per_row.select1m_nomask", (meter.CpuSeconds() - plainCpu) * 1e9 / RowsRead);
            report.Figure("sidecar.cpu_ns_per_row.select1m_masked", (maskedMeter.CpuSeconds() - maskedCpu) * 1e9 / RowsRead);
            report.Figure("sidecar.peak_rss_mb.select1m_nomask", meter.PeakRssMegabytes());
            report.Figure("sidecar.peak_rss_mb.select1m_masked", maskedMeter.PeakRssMegabytes());

            var cpu = meter.CpuSeconds();
            meter.ResetPeak();
            foreach (var (id, name) in new[] { (1, "row8k"), (2, "row64k") })
            {
                var directMedian = await MedianRowLatencyAsync(directConnection, id, cancellationToken);
                var sidecarMedian = await MedianRowLatencyAsync(Connection("127.0.0.1", plainPort, "job", null, database), id, cancellationToken);
                report.Figure($"sidecar.{name}.direct_us", directMedian);
                report.Figure($"sidecar.{name}.latency_ratio", sidecarMedian / directMedian);
                if (bouncerPort.Port is { } port)
                {
                    // The same extra hop through PgBouncer: what any proxy costs on this machine.
                    var bouncerMedian = await MedianRowLatencyAsync(Connection("127.0.0.1", port, "job", null, database), id, cancellationToken);
                    report.Figure($"sidecar.pgbouncer.{name}.latency_ratio", bouncerMedian / directMedian);
                }
            }

            report.Figure("sidecar.cpu_seconds.large_rows", meter.CpuSeconds() - cpu);
            report.Figure("sidecar.peak_rss_mb.large_rows", meter.PeakRssMegabytes());
        }
        finally
        {
            BenchProcesses.Stop(plain);
            BenchProcesses.Stop(masked);
            BenchProcesses.Stop(bouncer);
            await CleanUpAsync(pg, database, role);
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Connection(string host, int port, string user, string? password, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = host,
        Port = port,
        Username = user,
        Password = password,
        Database = database,
        Pooling = false,
        SslMode = SslMode.Disable,
        CommandTimeout = 300,
    }.ConnectionString;

    private static async Task PrepareDatabaseAsync(PostgresServer pg, string database, string role, string password, CancellationToken cancellationToken)
    {
        var (exit, _, error) = await BenchProcesses.RunAsync("pgbench", ["-i", "-s", "1", "-q", "-h", pg.Host, "-p", pg.Port.ToString(CultureInfo.InvariantCulture), "-U", pg.User, database],
            new Dictionary<string, string> { ["PGPASSWORD"] = pg.Password });
        if (exit != 0)
        {
            throw new InvalidOperationException($"pgbench -i failed: {error}");
        }

        await using var connection = new NpgsqlConnection(pg.ConnectionStringFor(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            CREATE ROLE {role} LOGIN PASSWORD '{password}';
            CREATE TABLE million (id int PRIMARY KEY, name text, ssn text, email text, amount numeric(12,2));
            INSERT INTO million SELECT g, 'customer ' || g, lpad((g % 900)::text, 3, '0') || '-' || lpad((g % 90)::text, 2, '0') || '-' || lpad(g::text, 4, '0'),
              'user' || g || '@example.com', g / 100.0 FROM generate_series(1, {MillionRows}) g;
            CREATE TABLE wide (id int PRIMARY KEY, payload text);
            ALTER TABLE wide ALTER COLUMN payload SET STORAGE EXTERNAL;
            INSERT INTO wide VALUES (1, repeat('x', 8192)), (2, repeat('y', 65536));
            ANALYZE;
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
            """, connection)
        {
            CommandTimeout = 300,
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Process> StartSidecarAsync(string work, string name, int port, PostgresServer pg, string database, string credentialDirectory, bool masking)
    {
        var config = new Dictionary<string, object?>
        {
            ["listen"] = $"127.0.0.1:{port}",
            ["upstream"] = new Dictionary<string, object?> { ["host"] = pg.Host, ["port"] = pg.Port, ["database"] = database, ["sslMode"] = "disable" },
            ["credential"] = new Dictionary<string, object?>
            {
                ["usernameFile"] = Path.Combine(credentialDirectory, "username"),
                ["passwordFile"] = Path.Combine(credentialDirectory, "password"),
            },
            ["action"] = "read",
            ["expiresAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        };
        if (masking)
        {
            config["masking"] = new Dictionary<string, object?>
            {
                ["columns"] = new[]
                {
                    new Dictionary<string, string> { ["column"] = "public.million.ssn", ["strategy"] = "last4" },
                    new Dictionary<string, string> { ["column"] = "public.million.email", ["strategy"] = "hash" },
                },
                ["detectors"] = new[] { "ssn", "card", "email" },
                ["hashKeyFile"] = Path.Combine(work, "hash.key"),
            };
            config["recording"] = new Dictionary<string, object?> { ["path"] = Path.Combine(work, name + ".jsonl") };
        }

        var path = Path.Combine(work, name + ".json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return await BenchProcesses.StartSidecarAsync(path, port, $"the {name} sidecar");
    }

    private static async Task<(Process? Process, int? Port, int? ProcessId)> StartPgbouncerAsync(string work, PostgresServer pg, string database, string role, string password, BenchReport report)
    {
        var script = FindInstallScript();
        var (exit, _, error) = await BenchProcesses.RunAsync("sh", [script]);
        var binary = File.Exists("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";
        if (exit != 0)
        {
            report.Note($"pgbouncer unavailable, its figures are skipped: {error.Trim()}");
            return (null, null, null);
        }

        var directory = Path.Combine(work, "pgbouncer");
        Directory.CreateDirectory(directory);
        var port = BenchProcesses.FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory, "userlist.txt"), "\"job\" \"\"\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "pgbouncer.ini"), $"""
            [databases]
            {database} = host={pg.Host} port={pg.Port} dbname={database} user={role} password={password}
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {directory}/userlist.txt
            pool_mode = session
            max_client_conn = 200
            default_pool_size = 20
            logfile = {directory}/pgbouncer.log
            pidfile = {directory}/pgbouncer.pid
            """);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // PgBouncer refuses to run as root.
            await BenchProcesses.RunAsync("chown", ["-R", "postgres", work]);
            await BenchProcesses.RunAsync("chmod", ["755", work]);
        }

        var process = asRoot
            ? BenchProcesses.Start("runuser", ["-u", "postgres", "--", binary, Path.Combine(directory, "pgbouncer.ini")])
            : BenchProcesses.Start(binary, [Path.Combine(directory, "pgbouncer.ini")]);
        await BenchProcesses.WaitForPortAsync(port, process, "pgbouncer");

        // The process started may be runuser; PgBouncer's own id is in its pid file.
        var processId = int.Parse((await File.ReadAllTextAsync(Path.Combine(directory, "pgbouncer.pid"))).Trim(), CultureInfo.InvariantCulture);
        return (process, port, processId);
    }

    /// <summary>The script sits next to this source file; the benchmark runs from the project's bin folder below it.</summary>
    private static string FindInstallScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "Sidecar", "install-pgbouncer.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tests/ChunkGate.Benchmarks/Sidecar/install-pgbouncer.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>One full read of the million-row table; the rate in rows per second.</summary>
    private static async Task<double> RowsPerSecondAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, name, ssn, email, amount FROM million", connection);
        var watch = Stopwatch.StartNew();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = 0;
        long checksum = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            checksum += reader.GetInt32(0) + reader.GetString(1).Length + reader.GetString(2).Length + reader.GetString(3).Length;
            _ = reader.GetDecimal(4);
            rows++;
        }

        watch.Stop();
        if (rows != MillionRows || checksum == 0)
        {
            throw new InvalidOperationException($"read {rows} rows, expected {MillionRows}");
        }

        return rows / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> MedianRowLatencyAsync(string connectionString, int id, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT payload FROM wide WHERE id = $1", connection) { Parameters = { new NpgsqlParameter { Value = id } } };
        await command.PrepareAsync(cancellationToken);
        var samples = new double[1500];
        for (var i = -200; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var payload = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (payload.Length < 8192)
            {
                throw new InvalidOperationException("short payload");
            }

            if (i >= 0)
            {
                samples[i] = elapsed;
            }
        }

        Array.Sort(samples);
        return samples[samples.Length / 2];
    }

    private static async Task CleanUpAsync(PostgresServer pg, string database, string role)
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
        command.CommandText = $"DROP ROLE IF EXISTS {role}";
        await command.ExecuteNonQueryAsync();
    }
}
