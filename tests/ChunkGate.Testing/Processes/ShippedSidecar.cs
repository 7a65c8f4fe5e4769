using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Testing.Processes;

/// <summary>
/// The masking sidecar as its image runs it (<c>ChunkGate.Sidecar serve --config FILE</c>, the
/// native executable of a Release build), serving one configuration file on <see cref="Port"/>.
/// Disposing kills it; <see cref="StopAsync"/> stops it as Kubernetes does, with SIGTERM, so it
/// flushes its recording first.
/// </summary>
public sealed class ShippedSidecar : IDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private readonly Process process;
    private readonly Leash leash;

    private ShippedSidecar(Process process, int port)
    {
        this.process = process;
        Port = port;
        // A test host killed mid-run must not leave the sidecar behind.
        leash = Leash.Terminating("chunkgate-test-sidecar", process.Id, TimeSpan.FromSeconds(2));
    }

    public int Port { get; }

    /// <summary>Starts the sidecar on <paramref name="configPath"/>, whose <c>listen</c> is 127.0.0.1:<paramref name="port"/>; returns once it accepts connections.</summary>
    public static async Task<ShippedSidecar> StartAsync(string configPath, int port)
    {
        var (program, arguments) = ComponentBuild.Program("ChunkGate.Sidecar");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.Concat(["serve", "--config", configPath]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sidecar = new ShippedSidecar(process, port);
        try
        {
            await sidecar.WaitForPortAsync();
        }
        catch
        {
            sidecar.Dispose();
            throw;
        }

        return sidecar;
    }

    /// <summary>SIGTERM, then waits for the exit (a kill after <see cref="StopGrace"/>); returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        return process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        finally
        {
            leash.Dispose();
            process.Dispose();
        }
    }

    private Task WaitForPortAsync() =>
        Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {process.ExitCode} before listening on {Port}");
            }

            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"the sidecar listens on {Port}", TimeSpan.FromSeconds(30));
}
