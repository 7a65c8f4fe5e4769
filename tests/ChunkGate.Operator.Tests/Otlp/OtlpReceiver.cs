using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Tests.Otlp;

/// <summary>
/// An OTLP/HTTP collector on a loopback port (Kestrel, protobuf bodies): keeps every span, metric
/// name and log record exported to <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private OtlpReceiver(WebApplication app)
    {
        this.app = app;
    }

    /// <summary>The base URL, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it.</summary>
    public string Endpoint { get; private set; } = "";

    public ConcurrentQueue<OtlpWire.Span> Spans { get; } = new();

    public ConcurrentQueue<string> MetricNames { get; } = new();

    public ConcurrentQueue<OtlpWire.LogRecord> LogRecords { get; } = new();

    /// <summary>Bodies that were not protobuf or did not parse: the test fails on them rather than ignoring them.</summary>
    public ConcurrentQueue<string> Rejected { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new OtlpReceiver(builder.Build());
        receiver.Map("/v1/traces", body => { foreach (var span in OtlpWire.Spans(body)) { receiver.Spans.Enqueue(span); } });
        receiver.Map("/v1/metrics", body => { foreach (var name in OtlpWire.MetricNames(body)) { receiver.MetricNames.Enqueue(name); } });
        receiver.Map("/v1/logs", body => { foreach (var record in OtlpWire.LogRecords(body)) { receiver.LogRecords.Enqueue(record); } });
        await receiver.app.StartAsync();
        receiver.Endpoint = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private void Map(string path, Action<byte[]> read) => app.MapPost(path, async (HttpContext context) =>
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (context.Request.ContentType != "application/x-protobuf")
        {
            Rejected.Enqueue($"{path}: content type {context.Request.ContentType}");
            return Results.StatusCode(415);
        }

        try
        {
            read(body.ToArray());
        }
        catch (FormatException bad)
        {
            Rejected.Enqueue($"{path}: {bad.Message}");
            return Results.BadRequest();
        }

        // An empty Export*ServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    });
}
