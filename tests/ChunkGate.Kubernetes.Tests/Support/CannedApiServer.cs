using System.Collections.Concurrent;
using System.Text;
using ChunkGate.Kubernetes.Http;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Tests.Support;

/// <summary>
/// A real HTTP server on a loopback port that answers with bytes copied from the Kubernetes API
/// reference, so the client's HTTP handling, parsing and retries are exercised over real sockets.
/// It is a unit-test double of the wire, not of the API's behaviour.
/// </summary>
internal sealed class CannedApiServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private CannedApiServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Func<HttpContext, RecordedRequest, Task> Handler { get; set; } = (context, _) =>
    {
        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public static async Task<CannedApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        CannedApiServer? server = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                context.Request.ContentType,
                body,
                context.Request.Headers.Authorization.ToString(),
                context.Request.Protocol,
                context.Connection.ClientCertificate?.Subject);
            server!.Requests.Enqueue(recorded);
            await server.Handler(context, recorded);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        server = new CannedApiServer(app, address);
        return server;
    }

    /// <summary>The official client, configured for this server, with ChunkGate's retry handler.</summary>
    public k8s.Kubernetes Client(TimeProvider? clock = null, RetryPolicy? retryPolicy = null) =>
        KubernetesClients.Create(new KubernetesClientConfiguration { Host = Address.ToString() }, retryPolicy, clock);

    public static async Task WriteJsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

internal sealed record RecordedRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    string? ContentType,
    string Body,
    string Authorization,
    string Protocol,
    string? ClientCertificateSubject);
