using System.Diagnostics;
using System.Globalization;

namespace ChunkGate.Testing.Processes;

/// <summary>
/// Ends what a test started when the test process itself ends without its teardown: a cancelled or
/// timed-out run kills the test host, and none of its code (teardown, ProcessExit) runs then. A
/// shell waits on a pipe whose only writer is this process (.NET opens it close-on-exec, so no other
/// child inherits it); the kernel closes it however this process ends, and the shell then runs the
/// release command. A teardown that stopped things itself disposes the leash, and nothing is released.
/// </summary>
public sealed class Leash : IDisposable
{
    private const string WaitThenRelease = "while read -r _; do :; done; exec \"$@\"";

    private readonly Process shell;

    private Leash(Process shell) => this.shell = shell;

    /// <summary>The shell's pid; its command line carries <c>label</c>, so a search for leftovers finds it too.</summary>
    public int ProcessId => shell.Id;

    public static Leash Start(string label, IReadOnlyList<string> release)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", WaitThenRelease, label, .. release])
        {
            start.ArgumentList.Add(argument);
        }

        return new Leash(Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh"));
    }

    /// <summary>Releases with SIGTERM to <paramref name="pid"/> (for programs that stop what they started on it), SIGKILL after <paramref name="grace"/>.</summary>
    public static Leash Terminating(string label, int pid, TimeSpan grace) => Start(label,
    [
        "/bin/sh", "-c", "kill -TERM \"$1\" 2>/dev/null; i=0; while kill -0 \"$1\" 2>/dev/null && [ $i -lt \"$2\" ]; do sleep 0.1; i=$((i + 1)); done; kill -KILL \"$1\" 2>/dev/null",
        label, pid.ToString(CultureInfo.InvariantCulture), ((int)(grace.TotalSeconds * 10)).ToString(CultureInfo.InvariantCulture),
    ]);

    /// <summary>What the kernel does when this process ends, for tests of the leash itself: the release runs.</summary>
    public void LetGo() => shell.StandardInput.Close();

    public void Dispose()
    {
        try
        {
            if (!shell.HasExited)
            {
                shell.Kill();
            }

            shell.WaitForExit();
        }
        finally
        {
            shell.Dispose();
        }
    }
}
