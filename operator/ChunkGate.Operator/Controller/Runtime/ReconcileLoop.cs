using System.Diagnostics;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Operator.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// Drains one kind's work queue with a few workers while this replica leads: each key is reconciled
/// by one worker at a time; a result's deadline arms a timer on the decision clock that requeues the
/// key then (never polling; the latest decision's deadline replaces an earlier one), a stale write
/// (409) is retried at once from the refreshed cache, any other failure with the queue's backoff
/// (on the queue's own clock: transient failures are about the network, not about approvals).
/// </summary>
internal sealed partial class ReconcileLoop(IReconciler reconciler, WorkQueue<string> queue, TimeProvider clock, ILogger logger) : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ITimer> deadlines = new(StringComparer.Ordinal);

    private static readonly System.Diagnostics.Metrics.Counter<long> Reconciles =
        OperatorTelemetry.Meter.CreateCounter<long>("chunkgate.controller.reconciles", description: "Reconciles by kind and result");

    public WorkQueue<string> Queue => queue;

    public Task RunAsync(int workers, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            (string Item, bool Ok) next;
            try
            {
                next = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!next.Ok)
            {
                return;
            }

            try
            {
                await ReconcileOneAsync(next.Item, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                queue.Done(next.Item);
            }
        }
    }

    private async Task ReconcileOneAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = CacheKeys.Split(key);
        using var activity = OperatorTelemetry.Source.StartActivity($"reconcile {reconciler.Kind}");
        activity?.SetTag("k8s.namespace.name", ns);
        activity?.SetTag("chunkgate.object", name);
        string result;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await reconciler.ReconcileAsync(ns ?? "", name, cancellationToken).ConfigureAwait(false);
            queue.Forget(key);
            RequeueAt(key, outcome.RequeueAt);

            result = "done";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership ended or the process stops: the next leader starts from the current state.
            queue.Add(key);
            result = "abandoned";
        }
        catch (ConflictException)
        {
            // A write from a stale cache: the informer delivers the newer object and the retry reads it.
            queue.Add(key);
            result = "conflict";
        }
#pragma warning disable CA1031 // one failing object must not stop the others; it is retried with backoff
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogFailed(logger, reconciler.Kind, key, exception.Message, exception);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            queue.AddRateLimited(key);
            result = "error";
        }

        LogReconciled(logger, reconciler.Kind, key, result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Reconciles.Add(1, new KeyValuePair<string, object?>("kind", reconciler.Kind), new KeyValuePair<string, object?>("result", result));
    }

    public void Dispose()
    {
        foreach (var timer in deadlines.Values)
        {
            timer.Dispose();
        }

        deadlines.Clear();
    }

    private void RequeueAt(string key, DateTimeOffset? at)
    {
        if (at is not { } due)
        {
            if (deadlines.TryRemove(key, out var cancelled))
            {
                cancelled.Dispose();
            }

            return;
        }

        var delay = due - clock.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            // Already due (e.g. the clock moved while the reconcile ran): look again now, with no
            // timer, since a clock need not fire a zero-delay timer before it next moves.
            if (deadlines.TryRemove(key, out var passed))
            {
                passed.Dispose();
            }

            queue.Add(key);
            return;
        }

        var timer = clock.CreateTimer(_ => queue.Add(key), null, delay, Timeout.InfiniteTimeSpan);
        // One worker per key, so no other decision for this key races this one.
        deadlines.AddOrUpdate(key, timer, (_, old) =>
        {
            old.Dispose();
            return timer;
        });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciled {Kind} {Key}: {Result} in {ElapsedMs:0.0} ms")]
    private static partial void LogReconciled(ILogger logger, string kind, string key, string result, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Kind} {Key} failed, retrying with backoff: {Reason}")]
    private static partial void LogFailed(ILogger logger, string kind, string key, string reason, Exception exception);
}
