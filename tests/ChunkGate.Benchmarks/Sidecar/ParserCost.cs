using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Parsing;

namespace ChunkGate.Benchmarks.Sidecar;

/// <summary>
/// What judging one statement with PostgreSQL's parser costs the sidecar, in process: a pgbench -S
/// statement never seen before (parse and walk; every simple-protocol pgbench statement is new text)
/// and one already judged (the cache, as for a prepared statement). Process CPU time, not wall
/// time, so that other work on a shared machine does not count.
/// </summary>
internal static class ParserCost
{
    private const int Statements = 20_000;

    public static void Measure(BenchReport report, string prefix)
    {
        var texts = Enumerable.Range(0, Statements)
            .Select(aid => Encoding.UTF8.GetBytes($"SELECT abalance FROM pgbench_accounts WHERE aid = {1_000_000 + aid};"))
            .ToArray();
        var warmJson = PgQuery.ParseJson(texts[0], static (json, _) => json.ToArray());
        // Long enough for tiered compilation to replace the first code, as in a sidecar that has run a while.
        var warmUp = Stopwatch.StartNew();
        for (var warm = 0; warmUp.Elapsed < TimeSpan.FromSeconds(2); warm++)
        {
            StatementClassifier.Judge(Encoding.UTF8.GetBytes($"SELECT abalance FROM pgbench_accounts WHERE aid = {2_000_000 + warm};"));
            ParseTreeScan.TryRead(warmJson);
        }

        var start = Cpu();
        for (var index = 2_000; index < texts.Length; index++)
        {
            PgQuery.ParseJson(texts[index], static (_, _) => 0);
        }

        report.Figure($"{prefix}.native_parse_cpu_us", (Cpu() - start).TotalMicroseconds / (texts.Length - 2_000));
        start = Cpu();
        for (var index = 2_000; index < texts.Length; index++)
        {
            ParseTreeScan.TryRead(warmJson);
        }

        report.Figure($"{prefix}.tree_scan_cpu_us", (Cpu() - start).TotalMicroseconds / (texts.Length - 2_000));
        start = Cpu();
        for (var index = 2_000; index < texts.Length; index++)
        {
            StatementClassifier.Judge(texts[index]);
        }

        report.Figure($"{prefix}.new_statement_cpu_us", (Cpu() - start).TotalMicroseconds / (texts.Length - 2_000));
        var repeated = texts[^1];
        start = Cpu();
        for (var round = 0; round < Statements; round++)
        {
            StatementClassifier.Judge(repeated);
        }

        report.Figure($"{prefix}.cached_statement_cpu_us", (Cpu() - start).TotalMicroseconds / Statements);
    }

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
