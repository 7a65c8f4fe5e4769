using ChunkGate.Runner.Configuration;
using ChunkGate.Runner.Execution;
using ChunkGate.Runner.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChunkGate.Runner;

/// <summary>
/// The default job image's program: runs a ChunkJob's statement chunk by chunk through the sidecar,
/// as the run contract's environment describes it, printing the contract's records (README).
/// </summary>
internal static class Program
{
    public static int Main()
    {
        // Npgsql connects with a non-blocking socket and .NET keeps it so, emulating each blocking
        // read on epoll: the readiness went from the epoll thread to a thread-pool worker (which
        // then spun) to this thread. Completed on the epoll thread instead, the runner's CPU per
        // 1M-row export fell by about half (measured, loaded 2-core machine). Read once, before the
        // first socket exists; the runner has no other asynchronous socket work to starve.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var (settings, error) = RunnerSettingsReader.Read(Environment.GetEnvironmentVariable);
        if (settings is null)
        {
            Console.Error.WriteLine($"chunkgate-runner: {error}");
            return ExitCodes.BadConfiguration;
        }

        using var tracing = StartOtlpExport();
        using var stop = new CancellationTokenSource();
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            // Stop the chunk in flight (its statement is cancelled, nothing is recorded for it) instead of dying mid-write.
            signal.Cancel = true;
            stop.Cancel();
        });

        // Last resort at expiry: a statement that ignores the cancel request (a COPY in flight) must not
        // keep the process past the approval. The sidecar ends its session too; no record is printed for it.
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"chunkgate-runner: the approval expired at {settings.ExpiresAt:O}; the statement in flight did not stop, exiting");
            Environment.Exit(ExitCodes.Expired);
        }, null, ChunkRun.Until(settings.ExpiresAt + TimeSpan.FromSeconds(5), DateTimeOffset.UtcNow), Timeout.InfiniteTimeSpan);
        using var standardOutput = Console.OpenStandardOutput();
        return new ChunkRun(settings, TimeProvider.System, standardOutput, Console.Error).Run(stop.Token);
    }

    /// <summary>Spans leave the process only when an OTLP endpoint is configured (the exporter reads the standard OTEL_* variables).</summary>
    private static TracerProvider? StartOtlpExport() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"))
            ? null
            : Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("chunkgate-runner"))
                .AddSource(RunnerTelemetry.SourceName)
                .AddOtlpExporter()
                .Build();
}
