using ChunkGate.Kubernetes.Errors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Kubernetes.Election;

/// <summary>
/// Runs for leadership on a coordination.k8s.io/v1 Lease: tries every retry period until it holds the
/// lease, then renews every retry period. If a renewal does not succeed within the renew deadline it
/// steps down (the leading token is cancelled). On shutdown it releases the lease when configured to.
/// Every write is an optimistic-concurrency update, so two candidates can never both win the same round.
/// Kept instead of the official client's <c>k8s.LeaderElection.LeaderElector</c>: that one only raises
/// started/stopped events, never releases the Lease (a successor waits out the whole lease duration),
/// cannot step down when the leader's work ends by itself, and reads <c>DateTime.UtcNow</c>, so tests of
/// renew deadlines and take-overs would have to sleep; this one runs on a <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly IKubernetes client;
    private readonly LeaderElectionOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private V1Lease? observed;
    private DateTimeOffset observedAt;

    public LeaderElector(IKubernetes client, LeaderElectionOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        options.Validate();
        this.client = client;
        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<LeaderElector>();
    }

    public bool IsLeader { get; private set; }

    /// <summary>The holder last seen on the lease (may be us), or null.</summary>
    public string? ObservedLeader => observed?.Spec?.HolderIdentity;

    /// <summary>
    /// Campaigns, then calls <paramref name="onStartedLeading"/> with a token cancelled when leadership
    /// is lost or <paramref name="cancellationToken"/> fires. Returns after leadership ends (or on cancel);
    /// if the leader's work ends by itself, leadership is given up too, and a work failure is rethrown.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading = null, CancellationToken cancellationToken = default)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        IsLeader = true;
        LogAcquired(logger, options.Identity, options.LeaseNamespace, options.LeaseName);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => onStartedLeading(leading.Token), CancellationToken.None);
        var renewal = RenewLoopAsync(renewing.Token);
        Exception? workFailure = null;
        var lostLease = false;
        try
        {
            // Leadership ends when renewal fails, when the caller cancels, or when the work itself ends
            // (a crashed leader must not sit on the lease while doing nothing).
            await Task.WhenAny(renewal, work).ConfigureAwait(false);
            lostLease = renewal.IsCompleted && !cancellationToken.IsCancellationRequested;
        }
        finally
        {
            IsLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The leader's work ends by cancellation.
            }
            catch (Exception ex)
            {
                workFailure = ex;
            }

            // Release only after the protected work has stopped, so no two leaders ever overlap.
            // A lease we lost is not ours to release.
            if (options.ReleaseOnCancel && !lostLease)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            onStoppedLeading?.Invoke();
        }

        if (workFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(workFailure);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            if (!await DelayAsync(options.RetryPeriod * (1 + (Random.Shared.NextDouble() * 0.2)), cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        var lastRenewed = timeProvider.GetUtcNow();
        while (true)
        {
            if (!await DelayAsync(options.RetryPeriod, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                lastRenewed = timeProvider.GetUtcNow();
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (observed?.Spec?.HolderIdentity is { } holder && holder != options.Identity)
            {
                LogLost(logger, options.Identity, holder);
                return;
            }

            if (timeProvider.GetUtcNow() - lastRenewed >= options.RenewDeadline)
            {
                LogRenewDeadline(logger, options.Identity, options.RenewDeadline.TotalSeconds);
                return;
            }
        }
    }

    /// <summary>One round: read, decide, write. False when someone else holds the lease or the write failed.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(options.RenewDeadline);
            var current = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, options.LeaseNamespace, cancellationToken: attempt.Token).OrNull().ConfigureAwait(false);
            var now = timeProvider.GetUtcNow();
            if (current is not null && !LeaseDecider.SameRecord(current.Spec, observed?.Spec))
            {
                observedAt = now;
            }

            observed = current;
            var decision = LeaseDecider.Decide(current?.Spec, observedAt, options.Identity, options.LeaseDuration, now);
            switch (decision.Action)
            {
                case LeaseAction.Wait:
                    return false;
                case LeaseAction.Create:
                    observed = await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { ApiVersion = "coordination.k8s.io/v1", Kind = "Lease", Metadata = new V1ObjectMeta { Name = options.LeaseName, NamespaceProperty = options.LeaseNamespace }, Spec = decision.Spec! }, options.LeaseNamespace, cancellationToken: attempt.Token).Typed().ConfigureAwait(false);
                    break;
                default:
                    current!.Spec = decision.Spec!;
                    observed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(current, options.LeaseName, options.LeaseNamespace, cancellationToken: attempt.Token).Typed().ConfigureAwait(false);
                    break;
            }

            observedAt = timeProvider.GetUtcNow();
            return true;
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // A conflict means another candidate wrote first: that is a lost round, not an error.
            LogRoundFailed(logger, options.Identity, ex.GetType().Name, ex.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        if (observed is not { } held || held.Spec?.HolderIdentity != options.Identity)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(options.RenewDeadline);
            held.Spec = LeaseDecider.Release(held.Spec, timeProvider.GetUtcNow());
            observed = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(held, options.LeaseName, options.LeaseNamespace, cancellationToken: timeout.Token).Typed().ConfigureAwait(false);
            LogReleased(logger, options.Identity);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // Not fatal: the lease then simply expires.
            LogRoundFailed(logger, options.Identity, ex.GetType().Name, ex.Message);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} became leader on lease {Namespace}/{Name}")]
    private static partial void LogAcquired(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost the lease to {Holder}")]
    private static partial void LogLost(ILogger logger, string identity, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} could not renew within {DeadlineSeconds} s; stepping down")]
    private static partial void LogRenewDeadline(ILogger logger, string identity, double deadlineSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released the lease")]
    private static partial void LogReleased(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Identity}: lease round failed ({ErrorType}: {Error})")]
    private static partial void LogRoundFailed(ILogger logger, string identity, string errorType, string error);
}
