using System.Globalization;

namespace ChunkGate.Benchmarks;

/// <summary>
/// CPU time a process has used (user + system, all its threads, living or ended), from
/// <c>/proc/&lt;pid&gt;/stat</c>. CPU per operation stays comparable on a loaded machine, where
/// latencies do not.
/// </summary>
internal static class ProcessCpu
{
    // USER_HZ: the kernel reports these fields in 1/100 s on every Linux architecture .NET runs on.
    private const int TicksPerSecond = 100;

    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime: fields 14 and 15
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
    }
}
