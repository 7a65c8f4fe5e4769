using ChunkGate.Kubernetes.Events;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Operator.Controller.Approvals;
using ChunkGate.Operator.Controller.Connections;
using ChunkGate.Operator.Controller.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Hosting;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller;

public static class ControllerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the controller: its caches (<see cref="AddChunkGateCaches"/>), the three reconcilers, the broker sweep and the leader-elected hosted
    /// service. Uses the host's <see cref="TimeProvider"/> if one is registered, else the system clock.
    /// Throws <see cref="ArgumentException"/> naming the first bad option.
    /// </summary>
    public static IServiceCollection AddChunkGateController(this IServiceCollection services, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is [var first, ..])
        {
            throw new ArgumentException($"controller option {first}", nameof(options));
        }

        services.AddChunkGateCaches(options);
        // Events are audit records: stamped (and named) by the wall clock, whatever clock decides expiry.
        services.AddSingleton(provider => new EventRecorder(provider.GetRequiredService<ControllerClients>().Kubernetes, ControllerClients.FieldManager,
            options.Identity, TimeProvider.System, provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<AuditTrail>();
        services.AddSingleton(provider => new ConnectionBrokers(provider.GetRequiredService<ControllerClients>().Kubernetes, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider => new MaskingKeys(provider.GetRequiredService<ControllerClients>(), options.OperatorNamespace));
        services.AddSingleton<JobObserver>();
        services.AddSingleton<RunLifecycle>();
        services.AddSingleton<ForeignObjects>();
        services.AddSingleton<LiveRuns>();
        services.AddSingleton<RunLogs>();
        services.AddSingleton<ChunkJobReconciler>();
        services.AddSingleton<ChunkApprovalReconciler>();
        services.AddSingleton<DataConnectionReconciler>();
        services.AddSingleton<BrokerSweeper>();
        services.AddSingleton<ControllerService>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ControllerService>());
        return services;
    }

    /// <summary>
    /// Registers the informer caches alone (also an <see cref="IReadinessCheck"/>) and the hosted
    /// service that runs them: what the admission webhooks read, with or without the controller.
    /// </summary>
    public static IServiceCollection AddChunkGateCaches(this IServiceCollection services, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(provider => new ControllerClients(KubernetesClients.Create(
            Hosting.KubernetesConfigurations.From(options.Kubeconfig, options.KubeContext),
            timeProvider: provider.GetRequiredService<TimeProvider>(), loggerFactory: provider.GetRequiredService<ILoggerFactory>())));
        // Watches time out and reconnect by the network's clock; the injected clock decides expiry and requeues.
        services.AddSingleton(provider => new ControllerCaches(provider.GetRequiredService<ControllerClients>().Api, options,
            TimeProvider.System, provider.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<ControllerCaches>());
        services.AddHostedService<CacheService>();
        return services;
    }
}
