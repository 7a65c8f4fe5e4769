using System.Net.Sockets;
using System.Runtime.InteropServices;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChunkGate.Sidecar;

/// <summary>
/// <c>ChunkGate.Sidecar serve [--config FILE]</c> runs the proxy; <c>ChunkGate.Sidecar replay FILE</c>
/// prints a session recording as a timeline.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: ChunkGate.Sidecar serve [--config FILE]   (default: $CHUNKGATE_SIDECAR_CONFIG or /etc/chunkgate/sidecar.json)
               ChunkGate.Sidecar replay FILE
        """;

    /// <summary>Read once by the socket engine, so it must be set before the first socket exists.</summary>
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> Main(string[] args)
    {
        // Run socket continuations on the epoll thread instead of hopping to the thread pool: a
        // proxy does tiny non-blocking work per read, and the hop (two per round trip) more than
        // halved pgbench -S TPS at one client on a busy 2-core machine. Set DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 to opt out.
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        return args[0] switch
        {
            "serve" => await ServeAsync(args[1..]).ConfigureAwait(false),
            "replay" when args.Length == 2 => ReplayCommand.Run(args[1], Console.Out, Console.Error),
            _ => UsageError(),
        };
    }

    private static int UsageError()
    {
        Console.Error.WriteLine(Usage);
        return ExitCodes.Usage;
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        var configPath = Environment.GetEnvironmentVariable(SidecarOptionsLoader.EnvironmentPrefix + "CONFIG") ?? "/etc/chunkgate/sidecar.json";
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                configPath = args[++i];
            }
            else
            {
                return UsageError();
            }
        }

        string json;
        try
        {
            json = await File.ReadAllTextAsync(configPath).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cannot read the configuration {configPath}: {exception.Message}");
            return ExitCodes.Usage;
        }

        var (options, errors) = SidecarOptionsLoader.Load(json, Environment.GetEnvironmentVariable);
        if (options is null)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"{configPath}: {error}");
            }

            return ExitCodes.Usage;
        }

        using var telemetry = SidecarTelemetryExport.Start(options.OtlpEndpoint);
        using var loggerFactory = LoggerFactory.Create(builder =>
        {
            builder.AddSimpleConsole(console => console.SingleLine = true);
            if (options.RecordingPath == SessionRecorder.StandardOutput)
            {
                // stdout carries the recording's JSON lines alone: every log line goes to stderr.
                builder.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            }

            // The recording as log records is for the OTLP backend; the console keeps operational messages.
            builder.AddFilter<ConsoleLoggerProvider>(RecordingLogRecord.Category, LogLevel.None);
            if (options.OtlpEndpoint is not null)
            {
                builder.AddOpenTelemetry(otel => otel
                    .AddProcessor(new RecordingTraceContextProcessor())
                    .AddOtlpExporter(exporter => exporter.Endpoint = new Uri(options.OtlpEndpoint)));
            }
        });
        var logger = loggerFactory.CreateLogger("ChunkGate.Sidecar");
        var recordingLog = options.OtlpEndpoint is null ? null : loggerFactory.CreateLogger(RecordingLogRecord.Category);

        ISessionFeatureFactory? features;
        try
        {
            features = SessionFeatureFactory.Create(options, TimeProvider.System, logger, recordingLog);
        }
        catch (Masking.MaskingPolicyException exception)
        {
            Console.Error.WriteLine($"{configPath}: {exception.Message}");
            return ExitCodes.Usage;
        }

        foreach (var warning in StartupWarnings.Of(options))
        {
            logger.LogWarning("{Warning}", warning);
        }

        var context = new SidecarContext(options, TimeProvider.System, logger, features);
        await using var server = new SidecarServer(context);
        try
        {
            server.Start();
        }
        catch (SocketException exception)
        {
            // Usually another process on the port: say which, instead of an unhandled-exception trace.
            Console.Error.WriteLine($"cannot listen on {options.Listen}: {exception.Message}");
            return ExitCodes.CannotListen;
        }

        // A TaskCompletionSource, not a CancellationTokenSource: ProcessExit fires after Main has
        // returned, and cancelling a disposed source there crashed every expiry with exit 134.
        var shutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // SIGTERM (the kubelet stopping the Pod) and Ctrl-C: take over the runtime's default, which
        // ends the process with 143 before the sessions are ended and their statements cancelled.
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            shutdown.TrySetResult();
        }

        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        // After the approval expires there is nothing left to serve: each session ends itself at
        // the deadline (backend terminated, connection closed); give them the grace to
        // do it, then stop so the Pod completes.
        var expiry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var now = DateTimeOffset.UtcNow;
        using var stopAfterExpiry = options.ExpiresAt is { } at
            ? new Deadline.LongTimer(TimeProvider.System, (at < now ? now : at) + (2 * Deadline.ApprovalDeadline.EndingGrace), () => expiry.TrySetResult())
            : null;

        var expired = await Task.WhenAny(shutdown.Task, expiry.Task).ConfigureAwait(false) != shutdown.Task;
        if (expired)
        {
            logger.LogWarning("approval expired at {ExpiresAt:O}: stopping (exit code {Code})", options.ExpiresAt, ExitCodes.Ended);
            return ExitCodes.Ended;
        }

        logger.LogInformation("stopping (exit code {Code})", ExitCodes.Ended);
        return ExitCodes.Ended;
    }
}

/// <summary>The <c>serve</c> command's exit codes (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Stopped by SIGTERM/Ctrl-C, or the approval expired: every session was ended (statements in flight cancelled upstream).</summary>
    public const int Ended = 0;

    /// <summary>The listen address could not be bound.</summary>
    public const int CannotListen = 1;

    /// <summary>Bad command line or configuration: nothing was started.</summary>
    public const int Usage = 2;
}

/// <summary>Exports the sidecar's spans and metrics over OTLP when an endpoint is configured.</summary>
internal static class SidecarTelemetryExport
{
    public static IDisposable? Start(string? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }

        var resource = ResourceBuilder.CreateDefault().AddService(SidecarTelemetry.Name);
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(SidecarTelemetry.Name)
            .AddOtlpExporter(exporter => exporter.Endpoint = new Uri(endpoint))
            .Build();
        var meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(SidecarTelemetry.Name)
            .AddOtlpExporter((OtlpExporterOptions exporter, MetricReaderOptions _) => exporter.Endpoint = new Uri(endpoint))
            .Build();
        return new Both(tracer, meter);
    }

    private sealed class Both(IDisposable? first, IDisposable? second) : IDisposable
    {
        public void Dispose()
        {
            first?.Dispose();
            second?.Dispose();
        }
    }
}
