using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>The real masking sidecar (<c>ChunkGate.Sidecar serve</c>) as a process, in front of the test database.</summary>
internal sealed class SidecarProcess : IDisposable
{
    private readonly Process process;

    private SidecarProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    /// <param name="action">read, write, export or transform: the sidecar's guardrails for it.</param>
    /// <param name="masking">The sidecar's <c>masking</c> section, or null for none.</param>
    public static async Task<SidecarProcess> StartAsync(string directory, RunnerDatabase database, string action, object? masking, string? passwordFile = null)
    {
        var port = FreePort();
        var config = new Dictionary<string, object?>
        {
            ["listen"] = $"127.0.0.1:{port}",
            ["upstream"] = new { host = database.Server.Host, port = database.Server.Port, database = database.Name, sslMode = "disable" },
            ["credential"] = new { usernameFile = database.UsernameFile, passwordFile = passwordFile ?? database.PasswordFile },
            ["action"] = action,
            ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(2).ToString("O"),
            ["masking"] = masking,
        };
        var path = Path.Combine(directory, $"sidecar-{action}-{port}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        // As the sidecar image runs it: the native executable of a Release build.
        var (program, arguments) = ChunkGate.Testing.Processes.ComponentBuild.Program("ChunkGate.Sidecar");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.Concat(["serve", "--config", path]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sidecar = new SidecarProcess(process, port);
        try
        {
            await WaitForPortAsync(port, process);
        }
        catch
        {
            sidecar.Dispose();
            throw;
        }

        return sidecar;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task WaitForPortAsync(int port, Process process) =>
        Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {process.ExitCode} before listening");
            }

            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"the sidecar listens on {port}", TimeSpan.FromSeconds(30));
}
