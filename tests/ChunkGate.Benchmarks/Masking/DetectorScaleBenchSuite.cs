using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Benchmarks.Masking;

/// <summary>
/// Whether the value detectors stay linear on one huge value (<c>repeat(diagnosis, 2000000)</c>,
/// a hostile tester's 30 MB row): the time per MB at 4, 8, 16 and 32 MB of each content shape.
/// The ratio of the largest to the smallest size's ns/byte is the figure to watch (1 = linear).
/// </summary>
internal sealed class DetectorScaleBenchSuite : IBenchSuite
{
    private static readonly (string Label, string Unit)[] Shapes =
    [
        ("words", "Asthma "),
        ("dates", "1980-04-12 "),
        ("digits", "123456789"),
        ("spaced_digits", "12 "),
        ("mail_like", "a.b@c"),
        ("dotted_local", "x."),
    ];

    public string Name => "detectors";

    public Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        foreach (var (label, unit) in Shapes)
        {
            double? first = null;
            foreach (var megabytes in new[] { 4, 8, 16, 32 })
            {
                var value = Value(unit, megabytes << 20);
                var stopwatch = Stopwatch.StartNew();
                var found = ValueDetectors.MaskInPlace(value, DetectorKinds.All);
                stopwatch.Stop();
                var nsPerByte = stopwatch.Elapsed.TotalNanoseconds / value.Length;
                first ??= nsPerByte;
                report.Figure($"detectors.{label}.{megabytes}mb.ms", stopwatch.Elapsed.TotalMilliseconds);
                report.Note($"{label} {megabytes} MB: {found} found, {nsPerByte:F2} ns/byte");
                if (stopwatch.Elapsed > TimeSpan.FromSeconds(20))
                {
                    report.Note($"{label}: stopped growing, superlinear");
                    break;
                }

                report.Figure($"detectors.{label}.{megabytes}mb.ns_per_byte_ratio_to_4mb", nsPerByte / first.Value);
            }
        }

        return Task.CompletedTask;
    }

    private static byte[] Value(string unit, int length)
    {
        var bytes = new byte[length];
        var pattern = Encoding.ASCII.GetBytes(unit);
        for (var index = 0; index < length; index += pattern.Length)
        {
            pattern.AsSpan(0, Math.Min(pattern.Length, length - index)).CopyTo(bytes.AsSpan(index));
        }

        return bytes;
    }
}
