using System.Collections.Concurrent;
using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Tests.Http;

public sealed class LoggingTests
{
    [Test]
    public async Task RequestLogs_NameMethodPathAndStatus_ButNeverTheTokenOrSecretData()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"creds","namespace":"n"},"data":{"password":"c3VwZXItc2VjcmV0LXZhbHVl"}}""");
        var sink = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        using var client = new KubernetesClient(server.Configuration(new StaticTokenProvider("very-secret-token")), factory);

        var secret = await client.Resource<Secret>(ResourceType.Secrets).GetAsync("n", "creds");

        secret.Data.Should().ContainKey("password");
        sink.Lines.Should().Contain(line => line.Contains("GET /api/v1/namespaces/n/secrets/creds -> 200", StringComparison.Ordinal));
        sink.Lines.Should().NotContain(line => line.Contains("very-secret-token", StringComparison.Ordinal)
            || line.Contains("c3VwZXItc2VjcmV0", StringComparison.Ordinal) || line.Contains("super-secret", StringComparison.Ordinal));
    }

    [Test]
    public async Task Requests_AreTraced_WithMethodPathAndStatus_OnlyWhenSomeoneListens()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 404, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}""");
        using var client = new KubernetesClient(server.Configuration(new StaticTokenProvider("very-secret-token")));
        var activities = new ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == ChunkGate.Kubernetes.Http.KubernetesTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        (await client.Resource<Pod>(ResourceType.Pods).TryGetAsync("n", "x")).Should().BeNull();

        var activity = activities.Should().ContainSingle(a => (string?)a.GetTagItem("url.path") == "/api/v1/namespaces/n/pods/x").Subject;
        activity.DisplayName.Should().Be("kubernetes GET");
        activity.GetTagItem("http.response.status_code").Should().Be(404);
        activity.Status.Should().Be(System.Diagnostics.ActivityStatusCode.Error);
        activity.Tags.Should().NotContain(tag => tag.Value != null && tag.Value.Contains("very-secret-token", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(Lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
