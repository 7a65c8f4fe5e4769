using System.Diagnostics;
using System.Globalization;
using System.Net;
using ChunkGate.Testing.Processes;

namespace ChunkGate.Operator.Tests.Installation;

/// <summary>
/// The real operator executable (controller and webhooks) as <c>make cluster</c> starts it:
/// <c>dotnet ChunkGate.Operator.dll</c> with flags, its output in a log file. Stopped with SIGTERM,
/// as a kubelet stops it. Also linked into the benchmarks (no test framework here).
/// </summary>
internal sealed class OperatorProcess : IAsyncDisposable
{
    private readonly Process process;

    private OperatorProcess(Process process, int healthPort, int webhookPort, string logPath)
    {
        this.process = process;
        HealthPort = healthPort;
        WebhookPort = webhookPort;
        LogPath = logPath;
    }

    public int Id => process.Id;

    public int HealthPort { get; }

    /// <summary>The HTTPS port of its admission webhooks.</summary>
    public int WebhookPort { get; }

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Starts the operator and waits for its /readyz (webhooks registered, caches listed).</summary>
    public static async Task<OperatorProcess> StartAsync(string kubeconfig, string logPath, IReadOnlyList<string> flags,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken = default)
    {
        var ports = FreePorts.Take(2);
        var (healthPort, webhookPort) = (ports[0], ports[1]);
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ChunkGate.Operator.dll"));
        foreach (var flag in (string[])[$"--kubeconfig={kubeconfig}", "--context=operator", $"--webhook-port={webhookPort}", $"--health-port={healthPort}", .. flags])
        {
            start.ArgumentList.Add(flag);
        }

        // Only what the test names: no OTEL_* or CHUNKGATE_* of the caller leaks into the process.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("OTEL_", StringComparison.Ordinal) || name.StartsWith("CHUNKGATE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var gate = new object();
        DataReceivedEventHandler write = (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (gate)
                {
                    log.WriteLine(line.Data);
                }
            }
        };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        process.Exited += (_, _) => { lock (gate) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = new OperatorProcess(process, healthPort, webhookPort, logPath);
        try
        {
            await started.WaitReadyAsync(TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nobody holds it yet to stop it later: a process that never got ready must not outlive the caller.
            await started.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return started;
    }

    /// <summary>Resident set size now (VmRSS) and at its peak (VmHWM), in bytes, from /proc.</summary>
    public (long Current, long Peak) Memory()
    {
        long Read(string[] lines, string key) => long.Parse(
            lines.Single(line => line.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        var status = File.ReadAllLines($"/proc/{process.Id}/status");
        return (Read(status, "VmRSS:"), Read(status, "VmHWM:"));
    }

    /// <summary>CPU time the process has used so far (user + system, from /proc/&lt;pid&gt;/stat), for CPU per unit of work.</summary>
    public TimeSpan CpuTime()
    {
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 14th field, stime the 15th, in clock ticks.
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    /// <summary>SIGTERM, then waits for a graceful exit; KILL if it does not come.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync().ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public string LogTail(int lines = 30) =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the operator exited with code {process.ExitCode}:\n{LogTail()}");
            }

            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{HealthPort}/readyz", cancellationToken).ConfigureAwait(false)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The probe's own timeout: a process starting on a loaded machine answered slowly; ask again.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the operator was not ready within {patience}:\n{LogTail()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

}
