using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Queues;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Testing.Time;
using ChunkGate.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Operator.Tests.Controller;

public sealed class ReconcileLoopTests
{
    private sealed class ScriptedReconciler(Func<int, ReconcileResult> script) : IReconciler
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public string Kind => "Test";

        public Task<ReconcileResult> ReconcileAsync(string namespaceName, string name, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"{namespaceName}/{name}");
            return Task.FromResult(script(Calls.Count));
        }
    }

    [Test]
    public async Task ADeadline_RequeuesTheKeyThen_AndNotBefore()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var reconciler = new ScriptedReconciler(call => call == 1 ? ReconcileResult.At(clock.GetUtcNow().AddMinutes(10)) : ReconcileResult.Done);
        using var queue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        using var loop = new ReconcileLoop(reconciler, queue, clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(1, stop.Token);

        queue.Add("demo/job");
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 1 && queue.Count == 0, "the first reconcile ran");
        clock.Advance(TimeSpan.FromMinutes(9));
        // A due timer adds the key synchronously inside Advance: an empty queue means none fired.
        queue.Count.Should().Be(0, "nothing polls before the deadline");
        reconciler.Calls.Should().HaveCount(1);

        clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2, "the deadline requeued the key");

        await stop.CancelAsync();
        queue.ShutDown();
        await running;
    }

    [Test]
    public async Task ADeadlineAlreadyPassed_RequeuesTheKeyAtOnce_WithoutTheClockMoving()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var reconciler = new ScriptedReconciler(call => call == 1 ? ReconcileResult.At(clock.GetUtcNow().AddSeconds(-1)) : ReconcileResult.Done);
        using var queue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        using var loop = new ReconcileLoop(reconciler, queue, clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(1, stop.Token);

        queue.Add("demo/job");
        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2, "a deadline in the past is looked at again now");

        await stop.CancelAsync();
        queue.ShutDown();
        await running;
    }

    [Test]
    public async Task AConflict_IsRetriedAtOnce()
    {
        var clock = new FakeTimeProvider();
        var calls = 0;
        var reconciler = new ScriptedReconciler(_ => Interlocked.Increment(ref calls) == 1 ? throw new ConflictException("stale", null) : ReconcileResult.Done);
        using var queue = new WorkQueue<string>(timeProvider: TimeProvider.System);
        using var loop = new ReconcileLoop(reconciler, queue, clock, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(1, stop.Token);

        queue.Add("demo/job");

        await Eventually.TrueAsync(() => reconciler.Calls.Count == 2, "the stale write is retried without waiting");
        await stop.CancelAsync();
        queue.ShutDown();
        await running;
    }
}
