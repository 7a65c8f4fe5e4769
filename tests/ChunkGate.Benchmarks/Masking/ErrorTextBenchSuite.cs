using System.Buffers;
using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Benchmarks.Masking;

/// <summary>
/// <c>make bench BENCH=errors</c>: what masking one error costs with column rules (matched against
/// PostgreSQL's message templates) next to the same error with masking off (detectors only), in
/// process; and the one-time load of the template catalog. Process CPU time per error.
/// </summary>
internal sealed class ErrorTextBenchSuite : IBenchSuite
{
    private const int Rounds = 20_000;

    public string Name => "errors";

    public Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        _ = ServerMessageCatalog.Instance;
        report.Figure("errors.catalog_load_ms", Stopwatch.GetElapsedTime(start).TotalMilliseconds);

        var columns = new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Redact)], ["ssn"]);
        (string Name, string SqlState, string Message, string Client)[] cases =
        [
            ("kept", "42703", "column \"foo\" of relation \"bar\" does not exist", "INSERT INTO bar (foo) VALUES (1)"),
            ("signature", "42883", "operator does not exist: text = integer", "select 'a'::text = 1"),
            ("redacted", "42601", "improper relation name (too many dotted names): bcdXefXghij.b.c.d", "select ('\"'||translate(ssn,'0123456789-','abcdefghijX')||'\".b.c.d')::regclass from customers"),
            ("syntax", "42601", "syntax error at or near \"FORM\"", "SELECT 1 FORM t"),
            ("no_template", "42601", "it's 'Xylophobia' and \"x\" unclosed \" " + new string('x', 2000), "x"),
            // Many places a template's literal parts could match: the backtracking budget bounds it.
            ("adversarial", "42703", "column \"" + string.Concat(Enumerable.Repeat("x\" of relation \"", 300)) + "\" at or near \"y\" does not exist", "x"),
        ];
        foreach (var (name, sqlState, message, client) in cases)
        {
            var body = Body(sqlState, message);
            var clientText = Encoding.UTF8.GetBytes(client);
            var strict = CpuPerError(body, columns, clientText);
            var off = CpuPerError(body, MaskedColumnSet.Empty, clientText);
            report.Figure($"errors.{name}_us", strict);
            report.Figure($"errors.{name}_masking_off_us", off);
            report.Figure($"errors.{name}_ratio", strict / off);
        }

        return Task.CompletedTask;
    }

    private static double CpuPerError(byte[] body, MaskedColumnSet columns, byte[] clientText)
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        for (var warm = 0; warm < 2_000; warm++)
        {
            output.ResetWrittenCount();
            ErrorFieldMasker.Mask((byte)'E', body.AsSpan().ToArray(), output, DetectorKinds.All, columns, clientText);
        }

        var copy = new byte[body.Length];
        var start = Cpu();
        for (var round = 0; round < Rounds; round++)
        {
            // The masker runs detectors in place: every round gets the original text.
            body.CopyTo(copy, 0);
            output.ResetWrittenCount();
            ErrorFieldMasker.Mask((byte)'E', copy, output, DetectorKinds.All, columns, clientText);
        }

        return (Cpu() - start).TotalMicroseconds / Rounds;
    }

    private static byte[] Body(string sqlState, string message) =>
        [.. Encoding.UTF8.GetBytes($"SERROR\0VERROR\0C{sqlState}\0M{message}\0Fparse_relation.c\0L1\0\0")];

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
