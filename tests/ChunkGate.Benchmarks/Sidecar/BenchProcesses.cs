using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChunkGate.Testing.Processes;

namespace ChunkGate.Benchmarks.Sidecar;

/// <summary>Starting and waiting for the processes the sidecar benchmark compares.</summary>
internal static class BenchProcesses
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Process Start(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = StartInfo(program, arguments, environment);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        // Drain output so a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("error", StringComparison.OrdinalIgnoreCase)))
            {
                Console.Error.WriteLine($"[{Path.GetFileName(program)}] {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = StartInfo(program, arguments, environment);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>
    /// The sidecar as its image runs it (the native executable of the Release build, not this bench's IL
    /// copy) with the configuration file at <paramref name="configPath"/>; returns once it listens.
    /// </summary>
    public static async Task<Process> StartSidecarAsync(string configPath, int port, string what)
    {
        var (program, arguments) = ComponentBuild.Program("ChunkGate.Sidecar");
        var sidecar = Start(program, [.. arguments, "serve", "--config", configPath],
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        await WaitForPortAsync(port, sidecar, what);
        return sidecar;
    }

    public static async Task WaitForPortAsync(int port, Process? process, string what)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"{what} exited with {process.ExitCode} before listening");
            }

            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{what} did not listen on {port}");
    }

    public static void Stop(Process? process)
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit(5000);
    }
}
