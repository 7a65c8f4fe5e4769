using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// One container run as a host process in its own process group (via setsid when available), its
/// stdout and stderr appended to the container's log file. Like a container runtime, stopping sends
/// TERM to the main process only, then KILL to everything left; and when the main process exits,
/// whatever it left behind in its group is killed, as a container's PID namespace would be.
/// </summary>
internal sealed partial class ContainerProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly Process process;
    private readonly StreamWriter logWriter;
    private readonly Lock logGate = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ContainerProcess(Process process, StreamWriter logWriter)
    {
        this.process = process;
        this.logWriter = logWriter;
    }

    public Task<int> Exited => exited.Task;

    public int ProcessId => process.Id;

    public static ContainerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, string workingDirectory, string logPath)
    {
        var start = new ProcessStartInfo
        {
            FileName = Setsid ?? argv[0],
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in Setsid is null ? argv.Skip(1) : argv)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var container = new ContainerProcess(process, log);
        process.OutputDataReceived += (_, line) => container.Append(line.Data);
        process.ErrorDataReceived += (_, line) => container.Append(line.Data);
        process.Exited += (_, _) =>
        {
            // Leftover children would hold the output pipes open; then drain the output to EOF.
            container.KillGroup();
            process.WaitForExit();
            lock (container.logGate)
            {
                container.logWriter.Flush();
            }

            container.exited.TrySetResult(process.ExitCode);
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            log.Dispose();
            process.Dispose();
            throw;
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return container;
    }

    /// <summary>TERM to the whole process group, then KILL after the grace period if it is still running.</summary>
    public async Task StopAsync(TimeSpan grace, TimeProvider clock)
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        try
        {
            Kill(process.Id, SigTerm);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        using var timeout = new CancellationTokenSource(grace, clock);
        try
        {
            await Exited.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            KillGroup();
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            await Exited;
        }
    }

    private void KillGroup()
    {
        if (Setsid is not null)
        {
            Kill(-process.Id, SigKill);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (logGate)
        {
            logWriter.WriteLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        lock (logGate)
        {
            logWriter.Dispose();
        }

        process.Dispose();
    }
}
