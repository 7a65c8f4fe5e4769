using System.Diagnostics;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Operator.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// Drains one kind's work queue with a few workers while this replica leads: each key is reconciled
/// by one worker at a time; a result's deadline becomes a delayed requeue (never polling), a stale
/// write (409) is retried at once from the refreshed cache, any other failure with backoff.
/// </summary>
internal sealed partial class ReconcileLoop(IReconciler reconciler, WorkQueue<string> queue, TimeProvider clock, ILogger logger)
{
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
        try
        {
            var outcome = await reconciler.ReconcileAsync(ns ?? "", name, cancellationToken).ConfigureAwait(false);
            queue.Forget(key);
            if (outcome.RequeueAt is { } at)
            {
                var delay = at - clock.GetUtcNow();
                queue.AddAfter(key, delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
            }

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

        Reconciles.Add(1, new KeyValuePair<string, object?>("kind", reconciler.Kind), new KeyValuePair<string, object?>("result", result));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Kind} {Key} failed, retrying with backoff: {Reason}")]
    private static partial void LogFailed(ILogger logger, string kind, string key, string reason, Exception exception);
}
