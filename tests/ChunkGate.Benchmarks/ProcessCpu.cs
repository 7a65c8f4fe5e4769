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
        var fields = Fields(pid) ?? throw new InvalidOperationException($"process {pid} is gone");
        return FromTicks(Field(fields, 11) + Field(fields, 12)); // utime, stime: fields 14 and 15
    }

    /// <summary>
    /// The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name ([1] ppid, [11] utime,
    /// [12] stime, [13] cutime, [14] cstime); null when the process has ended.
    /// </summary>
    public static string[]? Fields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    public static long Field(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    public static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
}
