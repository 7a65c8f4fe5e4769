using System.Globalization;
using System.Text;

namespace ChunkGate.Testing.Processes;

/// <summary>
/// Processes still running that name a marker (a fixture's temporary directory, say) in their
/// command line or environment: what a teardown left behind. Linux <c>/proc</c>; this process excluded.
/// </summary>
public static class Leftovers
{
    public static IReadOnlyList<(int Pid, string CommandLine)> Mentioning(string marker)
    {
        var found = new List<(int, string)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            var commandLine = Read(Path.Combine(directory, "cmdline"));
            if (commandLine.Length > 0 && (commandLine.Contains(marker, StringComparison.Ordinal) || Read(Path.Combine(directory, "environ")).Contains(marker, StringComparison.Ordinal)))
            {
                found.Add((pid, commandLine));
            }
        }

        return found;
    }

    /// <summary>A /proc file with its NULs as spaces; empty for a process that ended meanwhile or a zombie (no command line).</summary>
    private static string Read(string path)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(path)).Replace('\0', ' ').TrimEnd();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
