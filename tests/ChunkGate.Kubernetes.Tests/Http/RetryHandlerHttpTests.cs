using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Tests.Support;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Http;

/// <summary>The retry handler in the official client's pipeline: what is repeated, and what never is.</summary>
public sealed class RetryHandlerHttpTests
{
    private const string Throttled = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too many requests","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}""";
    private const string Unavailable = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcd leader changed","reason":"ServiceUnavailable","code":503}""";

    [Test]
    public async Task A429_IsRepeatedForAWrite_AfterRetryAfter_OnTheInjectedClock()
    {
        await using var server = await CannedApiServer.StartAsync();
        var calls = 0;
        server.Handler = (context, request) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = "1";
                return CannedApiServer.WriteJsonAsync(context, 429, Throttled);
            }

            return CannedApiServer.WriteJsonAsync(context, 201, request.Body);
        };
        var clock = new FakeTimeProvider();
        using var client = server.Client(clock);

        var creating = client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "n" } }, "n");
        await ChunkGate.Testing.Waiting.Eventually.TrueAsync(() => clock.PendingTimers == 1, "the handler waits for Retry-After");
        creating.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        var created = await creating.WaitAsync(TimeSpan.FromSeconds(10));

        created.Metadata.Name.Should().Be("s");
        server.Requests.Select(r => r.Method).Should().Equal("POST", "POST");
    }

    [Test]
    public async Task A503WithRetryAfter_IsRepeatedForAReadOnly()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, request) =>
        {
            if (request.Method == "GET" && server.Requests.Count(r => r.Method == "GET") > 1)
            {
                return CannedApiServer.WriteJsonAsync(context, 200, """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","namespace":"n"}}""");
            }

            context.Response.Headers.RetryAfter = "0";
            return CannedApiServer.WriteJsonAsync(context, 503, Unavailable);
        };
        using var client = server.Client();

        (await client.CoreV1.ReadNamespacedSecretAsync("s", "n").Typed()).Metadata.Name.Should().Be("s");
        var write = () => client.CoreV1.DeleteNamespacedSecretAsync("s", "n").Typed();
        (await write.Should().ThrowAsync<KubernetesApiException>()).Which.StatusCode.Should().Be(503);

        server.Requests.Select(r => r.Method).Should().Equal("GET", "GET", "DELETE");
    }

    [Test]
    public async Task RetryPolicyNone_HandsTheThrottleToTheCaller_Typed()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 429, Throttled);
        using var client = server.Client(retryPolicy: RetryPolicy.None);

        var read = () => client.CoreV1.ReadNamespacedSecretAsync("s", "n").Typed();

        (await read.Should().ThrowAsync<TooManyRequestsException>()).Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(1));
        server.Requests.Should().ContainSingle();
    }
}
