using ChunkGate.Broker;
using ChunkGate.Broker.Ledger;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Connections;

/// <summary>
/// Rule 8: every role the operator ever created is revoked eventually. When this replica starts
/// leading, and every sweep period after, each connection's ledger is swept: a role whose run the
/// caches do not show as live (or that expired) is revoked; unknown roles are reported, never dropped.
/// </summary>
internal sealed partial class BrokerSweeper(ControllerCaches caches, ConnectionBrokers brokers, ControllerOptions options, TimeProvider clock, ILogger<BrokerSweeper> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.SweepPeriod, clock);
        do
        {
            await SweepOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    public async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var connection in caches.Connections.Keys().Select(key => Kubernetes.Informers.CacheKeys.Split(key)))
        {
            var found = caches.Connections.Get(connection.Namespace ?? "", connection.Name);
            if (found is null)
            {
                continue;
            }

            try
            {
                var access = await brokers.ForAsync(connection.Namespace ?? "", connection.Name, found.Spec, found.Metadata.Generation ?? 0, cancellationToken).ConfigureAwait(false);
                var report = await access.Broker.SweepAsync(IsRunLive, cancellationToken).ConfigureAwait(false);
                LogSwept(logger, $"{connection.Namespace}/{connection.Name}", report.Revoked.Count, report.Failed.Count, string.Join(", ", report.Unknown));
                foreach (var failure in report.Failed)
                {
                    LogSweepFailed(logger, $"{connection.Namespace}/{connection.Name}", failure.Message);
                }
            }
            catch (Exception exception) when (exception is BrokerException or Kubernetes.Errors.KubernetesApiException)
            {
                LogSweepFailed(logger, $"{connection.Namespace}/{connection.Name}", exception.Message);
            }
        }
    }

    /// <summary>Live: issued within the grace (its run may not be in the cache yet), or the cached job's unfinished run.</summary>
    internal bool IsRunLive(LedgerEntry entry)
    {
        if (entry.IssuedAt > clock.GetUtcNow() - options.SweepGrace)
        {
            return true;
        }

        var job = caches.Jobs.Get(entry.Namespace, entry.Name);
        return job is not null
            && job.Metadata.Uid == entry.JobUid
            && job.Metadata.DeletionTimestamp is null
            && job.Status?.Run is { Id: { } id, FinishedAt: null }
            && RunNames.RunNumber(id) == entry.Run;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep of {Connection}: {Revoked} role(s) revoked, {Failed} failed; unknown ChunkGate roles left alone: [{Unknown}]")]
    private static partial void LogSwept(ILogger logger, string connection, int revoked, int failed, string unknown);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep of {Connection} failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string connection, string reason);
}
