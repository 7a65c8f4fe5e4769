using System.Globalization;

namespace ChunkGate.Benchmarks.Sidecar;

/// <summary>CPU seconds and peak RSS of another process, from /proc (Linux).</summary>
internal sealed class ProcessMeter(int processId)
{
    private const double TicksPerSecond = 100.0;

    /// <summary>user + system CPU seconds so far.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Peak resident set since the last <see cref="ResetPeak"/>, in MB.</summary>
    public double PeakRssMegabytes()
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>Resets the kernel's peak RSS mark (clear_refs 5), so each case reports its own peak.</summary>
    public void ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{processId}/clear_refs", "5");
        }
        catch (IOException)
        {
            // Older kernels: the figure is then the peak since start, still an upper bound.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
