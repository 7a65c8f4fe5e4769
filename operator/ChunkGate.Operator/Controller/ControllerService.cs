using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Election;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Operator.Controller.Approvals;
using ChunkGate.Operator.Controller.Connections;
using ChunkGate.Operator.Controller.Jobs;
using ChunkGate.Operator.Controller.Runtime;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller;

/// <summary>
/// The controller as one hosted service: the caches run on every replica (<see cref="CacheService"/>;
/// a standby is warm and ready), while reconcilers and the broker sweep run only on the replica holding the Lease. On
/// losing it they stop and the replica campaigns again; on shutdown it stops taking work,
/// abandons in-flight reconciles at their next await (every step is idempotent) and releases the
/// Lease so a standby takes over at once.
/// </summary>
internal sealed partial class ControllerService : BackgroundService
{
    private readonly ControllerCaches caches;
    private readonly ControllerClients clients;
    private readonly BrokerSweeper sweeper;
    private readonly ControllerOptions options;
    private readonly TimeProvider clock;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly WorkQueue<string> jobQueue;
    private readonly WorkQueue<string> approvalQueue;
    private readonly WorkQueue<string> connectionQueue;
    private readonly ReconcileLoop[] loops;

    public ControllerService(ControllerCaches caches, ControllerClients clients, ChunkJobReconciler jobs, ChunkApprovalReconciler approvals,
        DataConnectionReconciler connections, MaskingKeys keys, BrokerSweeper sweeper, ControllerOptions options, TimeProvider clock, ILoggerFactory loggers)
    {
        this.caches = caches;
        this.clients = clients;
        this.sweeper = sweeper;
        this.options = options;
        this.clock = clock;
        this.loggers = loggers;
        logger = loggers.CreateLogger<ControllerService>();
        // Backoff after a failure is about the network and the database, so it runs on the wall clock;
        // deadlines (expiry) run on the injected clock, in each loop's timers.
        jobQueue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        approvalQueue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        connectionQueue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        loops =
        [
            new ReconcileLoop(jobs, jobQueue, clock, loggers.CreateLogger<ChunkJobReconciler>()),
            new ReconcileLoop(approvals, approvalQueue, clock, loggers.CreateLogger<ChunkApprovalReconciler>()),
            new ReconcileLoop(connections, connectionQueue, clock, loggers.CreateLogger<DataConnectionReconciler>()),
        ];

        caches.Jobs.AddHandler(new EnqueueKeyHandler<ChunkJob>(jobQueue));
        caches.Approvals.AddHandler(new EnqueueKeyHandler<ChunkApproval>(approvalQueue));
        caches.Approvals.AddHandler(new EnqueueApprovedJob(jobQueue));
        caches.Connections.AddHandler(new EnqueueKeyHandler<DataConnection>(connectionQueue));
        keys.Stale += connectionQueue.Add;
        caches.Connections.AddHandler(new EnqueueConnectionJobs(jobQueue, caches.Jobs));
        caches.Pods.AddHandler(new EnqueueOwnerHandler<V1Pod>(jobQueue, "ChunkJob"));
        caches.Secrets.AddHandler(new EnqueueOwnerHandler<V1Secret>(jobQueue, "ChunkJob"));
    }

    /// <summary>Every cache has listed (a standby is warm).</summary>
    public bool IsReady() => caches.IsReady;

    /// <summary>True while this replica holds the Lease and reconciles.</summary>
    public bool IsLeading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The caches run in CacheService; reconciling starts once every one has listed.
        try
        {
            while (!stoppingToken.IsCancellationRequested && !caches.IsReady)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken).ConfigureAwait(false);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                // The Lease is timed on the real clock on purpose: other replicas judge it with theirs.
                // Everything the controller decides (expiry, deadlines, requeues) runs on the injected clock.
                var elector = new LeaderElector(clients.Kubernetes, new LeaderElectionOptions
                {
                    LeaseName = options.LeaseName,
                    LeaseNamespace = options.EffectiveLeaseNamespace,
                    Identity = options.Identity,
                    LeaseDuration = options.LeaseDuration,
                    RenewDeadline = options.RenewDeadline,
                    RetryPeriod = options.RetryPeriod,
                }, TimeProvider.System, loggers);
                try
                {
                    await elector.RunAsync(LeadAsync, cancellationToken: stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // a failed term (API unreachable) must not end the controller: campaign again
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    LogTermFailed(logger, exception.Message, exception);
                    await Task.Delay(options.RetryPeriod, TimeProvider.System, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            jobQueue.ShutDown();
            approvalQueue.ShutDown();
            connectionQueue.ShutDown();
            foreach (var loop in loops)
            {
                loop.Dispose();
            }
        }
    }

    private async Task LeadAsync(CancellationToken leading)
    {
        IsLeading = true;
        LogLeading(logger, options.Identity);
        try
        {
            // Level-based: a new leader looks at everything once, whatever happened before.
            foreach (var key in caches.Connections.Keys())
            {
                connectionQueue.Add(key);
            }

            foreach (var key in caches.Jobs.Keys())
            {
                jobQueue.Add(key);
            }

            foreach (var key in caches.Approvals.Keys())
            {
                approvalQueue.Add(key);
            }

            await Task.WhenAll([.. loops.Select(loop => loop.RunAsync(options.Workers, leading)), sweeper.RunAsync(leading)]).ConfigureAwait(false);
        }
        finally
        {
            IsLeading = false;
            LogStoppedLeading(logger, options.Identity);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} leads: reconciling and sweeping")]
    private static partial void LogLeading(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} stopped leading")]
    private static partial void LogStoppedLeading(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election term failed, campaigning again: {Reason}")]
    private static partial void LogTermFailed(ILogger logger, string reason, Exception exception);
}
