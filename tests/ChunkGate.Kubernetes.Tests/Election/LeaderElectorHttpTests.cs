using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Election;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Tests.Support;
using ChunkGate.Testing.Waiting;
using Microsoft.AspNetCore.Http;

namespace ChunkGate.Kubernetes.Tests.Election;

/// <summary>
/// Two electors over real HTTP against one Lease endpoint that applies the API's optimistic
/// concurrency (PUT with a stale resourceVersion is 409 Conflict, POST of an existing name is 409
/// AlreadyExists). Time is a fake clock stepped in small increments.
/// </summary>
public sealed class LeaderElectorHttpTests
{
    private const string LeasePath = "/apis/coordination.k8s.io/v1/namespaces/chunkgate-system/leases/chunkgate-operator";

    private readonly Lock gate = new();
    private JsonNode? stored;
    private int version;

    [SetUp]
    public void ResetLease()
    {
        lock (gate)
        {
            stored = null;
            version = 0;
        }
    }

    private async Task ServeLeaseAsync(HttpContext context, RecordedRequest request)
    {
        if (request.Path != LeasePath && !(request.Method == "POST" && request.Path == LeasePath[..LeasePath.LastIndexOf('/')]))
        {
            await CannedApiServer.WriteJsonAsync(context, 404, "{}");
            return;
        }

        (int Code, string Body) answer;
        lock (gate)
        {
            answer = request.Method switch
            {
                "GET" => stored is null ? (404, Status(404, "NotFound", "leases.coordination.k8s.io \"chunkgate-operator\" not found")) : (200, stored.ToJsonString()),
                "POST" when stored is not null => (409, Status(409, "AlreadyExists", "leases.coordination.k8s.io \"chunkgate-operator\" already exists")),
                "POST" => (201, Store(JsonNode.Parse(request.Body)!)),
                "PUT" when stored is null => (404, Status(404, "NotFound", "not found")),
                "PUT" when JsonNode.Parse(request.Body)!["metadata"]!["resourceVersion"]?.GetValue<string>() != version.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    => (409, Status(409, "Conflict", "Operation cannot be fulfilled on leases.coordination.k8s.io \"chunkgate-operator\": the object has been modified; please apply your changes to the latest version and try again")),
                "PUT" => (200, Store(JsonNode.Parse(request.Body)!)),
                _ => (405, "{}"),
            };
        }

        await CannedApiServer.WriteJsonAsync(context, answer.Code, answer.Body);
    }

    private string Store(JsonNode lease)
    {
        version++;
        lease["metadata"]!["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        stored = lease;
        return lease.ToJsonString();
    }

    private static string Status(int code, string reason, string message) =>
        new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code }.ToJsonString();

    private string? Holder()
    {
        lock (gate)
        {
            return stored?["spec"]?["holderIdentity"]?.GetValue<string>();
        }
    }

    private static LeaderElectionOptions Options(string identity, bool release) => new()
    {
        LeaseName = "chunkgate-operator",
        LeaseNamespace = "chunkgate-system",
        Identity = identity,
        ReleaseOnCancel = release,
    };

    /// <summary>
    /// Moves the fake clock forward in small steps. After each step it waits until every running
    /// elector is idle again (each then has exactly one pending timer: its retry delay; a request in
    /// flight adds its timeout timer), so slow HTTP round trips never let fake time run ahead.
    /// </summary>
    private static async Task StepAsync(FakeTimeProvider clock, TimeSpan total, int runningElectors, Func<bool>? stopWhen = null)
    {
        var step = TimeSpan.FromMilliseconds(250);
        for (var elapsed = TimeSpan.Zero; elapsed < total; elapsed += step)
        {
            if (stopWhen?.Invoke() == true)
            {
                return;
            }

            clock.Advance(step);
            await Task.Delay(1);
            await Eventually.TrueAsync(() => clock.PendingTimers == runningElectors || stopWhen?.Invoke() == true, "the electors are idle again");
        }
    }

    [TestCase(false, TestName = "TwoElectors_ExactlyOneLeads_AndTheOtherTakesOverWithinTheLeaseDurationAfterAStop")]
    [TestCase(true, TestName = "TwoElectors_AReleasedLease_IsTakenOverWithinARetryPeriod")]
    public async Task TwoElectors(bool releaseOnStop)
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = ServeLeaseAsync;
        var clock = new FakeTimeProvider();
        using var client = server.Client(clock);
        var first = new LeaderElector(client, Options("replica-a", releaseOnStop), clock);
        var second = new LeaderElector(client, Options("replica-b", releaseOnStop), clock);
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var leading = 0;
        var maxLeading = 0;
        DateTimeOffset? secondLedAt = null;

        Func<CancellationToken, Task> Lead(Action onLead) => async token =>
        {
            var now = Interlocked.Increment(ref leading);
            InterlockedMax(ref maxLeading, now);
            onLead();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };

        var firstRun = first.RunAsync(Lead(() => { }), cancellationToken: stopFirst.Token);
        await Eventually.TrueAsync(() => first.IsLeader, "the first elector creates the lease and leads");
        var secondRun = second.RunAsync(Lead(() => secondLedAt = clock.GetUtcNow()), cancellationToken: stopSecond.Token);

        await Eventually.TrueAsync(() => clock.PendingTimers == 2, "both electors wait for their next round");
        await StepAsync(clock, TimeSpan.FromSeconds(40), runningElectors: 2);
        first.IsLeader.Should().BeTrue("the leader keeps renewing every retry period");
        second.IsLeader.Should().BeFalse();
        Holder().Should().Be("replica-a");

        await stopFirst.CancelAsync();
        await firstRun.WaitAsync(TimeSpan.FromSeconds(10));
        var stoppedAt = clock.GetUtcNow();
        Holder().Should().Be(releaseOnStop ? "" : "replica-a");

        await StepAsync(clock, TimeSpan.FromSeconds(30), runningElectors: 1, stopWhen: () => second.IsLeader);
        await Eventually.TrueAsync(() => second.IsLeader, "the second elector takes over");
        var takeover = secondLedAt!.Value - stoppedAt;
        var options = Options("x", releaseOnStop);
        if (releaseOnStop)
        {
            takeover.Should().BeLessThanOrEqualTo(options.RetryPeriod * 1.2 + TimeSpan.FromSeconds(0.5));
        }
        else
        {
            // As in client-go, the candidate measures the lease from when it last saw the record change
            // (its own poll, up to one retry period after the final renewal), then needs one more poll.
            takeover.Should().BeLessThanOrEqualTo(options.LeaseDuration + (options.RetryPeriod * 2.4) + TimeSpan.FromSeconds(0.5));
            takeover.Should().BeGreaterThan(options.LeaseDuration - options.RetryPeriod - TimeSpan.FromSeconds(0.5), "it must not take a lease that may still be held");
        }

        Holder().Should().Be("replica-b");
        maxLeading.Should().Be(1, "never two leaders at once");
        lock (gate)
        {
            stored!["spec"]!["leaseTransitions"]!.GetValue<int>().Should().Be(releaseOnStop ? 0 : 1);
            stored["spec"]!["renewTime"]!.GetValue<string>().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$");
        }

        await stopSecond.CancelAsync();
        await secondRun.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Leader_StepsDown_WhenItCannotRenewWithinTheDeadline()
    {
        await using var server = await CannedApiServer.StartAsync();
        var failing = false;
        server.Handler = (context, request) => Volatile.Read(ref failing)
            ? CannedApiServer.WriteJsonAsync(context, 500, Status(500, "InternalError", "etcdserver: request timed out"))
            : ServeLeaseAsync(context, request);
        var clock = new FakeTimeProvider();
        using var client = server.Client(clock, ChunkGate.Kubernetes.Http.RetryPolicy.None);
        var elector = new LeaderElector(client, Options("replica-a", release: false), clock);
        var stopped = false;
        var workCancelled = false;

        var run = elector.RunAsync(
            async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    workCancelled = true;
                    throw;
                }
            },
            () => stopped = true);
        await Eventually.TrueAsync(() => elector.IsLeader, "it leads");
        Volatile.Write(ref failing, true);
        var failingSince = clock.GetUtcNow();

        await StepAsync(clock, TimeSpan.FromSeconds(20), runningElectors: 1, stopWhen: () => run.IsCompleted);
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        stopped.Should().BeTrue();
        workCancelled.Should().BeTrue("the leader's work is cancelled before anyone else can lead");
        (clock.GetUtcNow() - failingSince).Should().BeLessThan(Options("x", false).LeaseDuration, "it steps down before the lease can expire for others");
    }

    [Test]
    public async Task Leader_WhoseWorkFails_ReleasesTheLease_AndRethrows()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = ServeLeaseAsync;
        var clock = new FakeTimeProvider();
        using var client = server.Client(clock);
        var elector = new LeaderElector(client, Options("replica-a", release: true), clock);

        var act = () => elector.RunAsync(_ => throw new InvalidOperationException("reconciler crashed"));

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("reconciler crashed");
        elector.IsLeader.Should().BeFalse();
        Holder().Should().BeEmpty("a leader that stops working gives the lease up at once");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
