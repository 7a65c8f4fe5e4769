using System.Net;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Telemetry;
using ChunkGate.Operator.Certificates;
using ChunkGate.Operator.Controller;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Telemetry;
using ChunkGate.Operator.Webhooks;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChunkGate.Operator.Hosting;

/// <summary>
/// The operator process composed: Kubernetes client, JSON logs, OTLP, admission webhooks with their
/// certificates on the HTTPS port, health on the HTTP port, and the leader-elected controller.
/// </summary>
internal static class OperatorHost
{
    /// <summary>Webhook requests carry the old and new object (each up to the API server's 1.5 MiB).</summary>
    private const long MaxReviewBytes = 8 * 1024 * 1024;

    /// <param name="withController">False for a host that only admits, from the informer caches (the webhook tests and benchmark).</param>
    public static WebApplication Build(OperatorSettings settings, TimeProvider clock, Func<string, string?> environment, bool withController = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownTimeout);
        ConfigureLogging(builder.Logging);
        ConfigureOpenTelemetry(builder.Services, builder.Logging, environment);

        // Transport retries wait in real time: the injected clock is the one decisions and renewals read.
        builder.Services.AddSingleton<IKubernetes>(provider => KubernetesClients.Create(
            KubernetesConfiguration(settings), timeProvider: TimeProvider.System, loggerFactory: provider.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<ApiAdmissionLookup>();
        builder.Services.AddSingleton<IAdmissionLookup, CachedAdmissionLookup>();
        builder.Services.AddSingleton(provider =>
        {
            var reservations = new ApprovalReservations(clock);
            provider.GetRequiredService<ControllerCaches>().Approvals.AddHandler(reservations);
            return WebhookRoute.All(provider.GetRequiredService<IAdmissionLookup>(), settings.Admission, clock, reservations);
        });
        builder.Services.AddSingleton<ServingCertificate>();
        builder.Services.AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<ServingCertificate>());
        // The clock is handed to what decides with it, not put in DI, where the framework's own timers (Kestrel's heartbeat) would run on it.
        if (settings.CertificateSource == CertificateSource.CertManager)
        {
            builder.Services.AddHostedService(provider => ActivatorUtilities.CreateInstance<CertManagerCertificates>(provider, clock));
        }
        else
        {
            builder.Services.AddSingleton(provider => ActivatorUtilities.CreateInstance<CertificateRotator>(provider, clock));
            builder.Services.AddHostedService(provider => provider.GetRequiredService<CertificateRotator>());
        }

        // Every replica serves the webhooks from the informer caches; the controller reconciles only on the Lease holder.
        var controller = new ControllerOptions(
            settings.WatchNamespaces, settings.OperatorNamespace, settings.RunnerImage, settings.SidecarImage, ReplicaIdentity(environment))
        {
            LeaseName = settings.LeaderElectionLease,
            Kubeconfig = settings.Kubeconfig,
            KubeContext = settings.KubeContext,
        };
        if (withController)
        {
            builder.Services.AddChunkGateController(controller);
        }
        else
        {
            builder.Services.AddChunkGateCaches(controller);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxReviewBytes;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Any, settings.WebhookPort, listen => listen.UseHttps(https =>
            {
                var serving = kestrel.ApplicationServices.GetRequiredService<ServingCertificate>();
                https.ServerCertificateSelector = (_, _) => serving.Current;
            }));
            kestrel.Listen(IPAddress.Any, settings.HealthPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        MapHealth(app, settings.HealthPort);
        MapWebhooks(app, settings.WebhookPort);
        return app;
    }

    private static void MapWebhooks(WebApplication app, int port)
    {
        var logger = app.Services.GetRequiredService<ILogger<AdmissionEndpoint>>();
        foreach (var route in app.Services.GetRequiredService<IReadOnlyList<WebhookRoute>>())
        {
            var endpoint = new AdmissionEndpoint(route, logger);
            app.MapPost(route.Path, (RequestDelegate)endpoint.HandleAsync).RequireHost($"*:{port}");
        }
    }

    private static void MapHealth(WebApplication app, int port)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).RequireHost($"*:{port}");
        app.MapGet("/readyz", (HttpContext context) =>
        {
            var checks = context.RequestServices.GetServices<IReadinessCheck>().ToList();
            var failing = checks.Where(check => !check.IsReady).Select(check => check.Name).ToList();
            var body = context.Request.Query.ContainsKey("verbose")
                ? string.Join("\n", checks.Select(check => $"[{(check.IsReady ? "+" : "-")}]{check.Name} {(check.IsReady ? "ok" : "not ready")}")) + "\n"
                : failing.Count == 0 ? "ok" : $"not ready: {string.Join(", ", failing)}";
            return Results.Text(body, statusCode: failing.Count == 0 ? 200 : 503);
        }).RequireHost($"*:{port}");
    }

    private static KubernetesClientConfiguration KubernetesConfiguration(OperatorSettings settings) =>
        KubernetesConfigurations.From(settings.Kubeconfig, settings.KubeContext);

    /// <summary>This replica's name in the leader-election Lease: the Pod's name in a cluster, else host and process.</summary>
    private static string ReplicaIdentity(Func<string, string?> environment) =>
        environment("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Environment.ProcessId}";

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddJsonConsole(json =>
        {
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.IncludeScopes = true;
        });
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("System.Net.Http", LogLevel.Warning);
    }

    /// <summary>OTLP from the standard <c>OTEL_*</c> variables, only when an endpoint is configured (no exporter retrying against nothing).</summary>
    private static void ConfigureOpenTelemetry(IServiceCollection services, ILoggingBuilder logging, Func<string, string?> environment)
    {
        var configured = new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" }
            .Any(name => !string.IsNullOrEmpty(environment(name)));
        if (!configured || environment("OTEL_SDK_DISABLED") == "true")
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chunkgate-operator"))
            .WithTracing(tracing => tracing.AddSource(OperatorTelemetry.Name, KubernetesTelemetry.Name).AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddMeter(OperatorTelemetry.Name, KubernetesTelemetry.Name).AddOtlpExporter());
        logging.AddOpenTelemetry(otel => otel.AddOtlpExporter());
    }
}
