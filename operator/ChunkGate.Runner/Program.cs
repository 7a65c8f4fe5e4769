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
    public static async Task<int> Main()
    {
        var (settings, error) = RunnerSettingsReader.Read(Environment.GetEnvironmentVariable);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync($"chunkgate-runner: {error}").ConfigureAwait(false);
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

        await using var standardOutput = Console.OpenStandardOutput();
        return await new ChunkRun(settings, TimeProvider.System, standardOutput, Console.Error).RunAsync(stop.Token).ConfigureAwait(false);
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
