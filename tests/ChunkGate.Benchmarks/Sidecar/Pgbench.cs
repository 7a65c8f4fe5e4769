using System.Globalization;
using System.Text.RegularExpressions;

namespace ChunkGate.Benchmarks.Sidecar;

/// <summary>Runs <c>pgbench -S</c> against one endpoint and reads its TPS and per-transaction latencies.</summary>
internal static partial class Pgbench
{
    public static async Task<double> TpsAsync(int port, string user, string password, string database, int clients, int seconds)
    {
        var (exit, output, error) = await BenchProcesses.RunAsync("pgbench",
            ["-n", "-S", "-M", "simple", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture),
             "-T", seconds.ToString(CultureInfo.InvariantCulture), "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", user, database],
            new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGSSLMODE"] = "disable" });
        if (exit != 0)
        {
            throw new InvalidOperationException($"pgbench on port {port} failed: {error}");
        }

        var match = TpsPattern().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no tps in pgbench output: {output}");
    }

    /// <summary>Per-transaction latencies in microseconds, from pgbench's transaction log (one client).</summary>
    public static async Task<double[]> LatenciesAsync(int port, string user, string password, string database, int seconds)
    {
        var directory = Directory.CreateTempSubdirectory("chunkgate-pgbench-").FullName;
        try
        {
            var prefix = Path.Combine(directory, "tx");
            var (exit, _, error) = await BenchProcesses.RunAsync("pgbench",
                ["-n", "-S", "-M", "simple", "-c", "1", "-j", "1", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", prefix,
                 "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", user, database],
                new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGSSLMODE"] = "disable" });
            if (exit != 0)
            {
                throw new InvalidOperationException($"pgbench on port {port} failed: {error}");
            }

            // Each line: client_id transaction_no time(µs) script_no time_epoch time_us.
            return Directory.GetFiles(directory)
                .SelectMany(File.ReadLines)
                .Select(line => double.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture))
                .Order()
                .ToArray();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(percentile / 100.0 * sorted.Length))];

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();
}
