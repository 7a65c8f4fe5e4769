using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Operator.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// The HTTP side of one webhook: parse the AdmissionReview, ask the webhook, answer with the same
/// uid. Every denial is counted and logged with who asked for what. A webhook that cannot decide
/// (a lookup failed) denies with the reason: with <c>failurePolicy: Fail</c> nothing unvetted gets in.
/// Reviews are answered the same for <c>dryRun</c> requests: no webhook has side effects.
/// </summary>
internal sealed partial class AdmissionEndpoint(WebhookRoute route, ILogger<AdmissionEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException error)
        {
            await Results.BadRequest($"the body is not JSON: {error.Message}").ExecuteAsync(context);
            return;
        }

        if (!AdmissionReviewRequest.TryParse(body, out var parsed, out var problem) || parsed is not { } request)
        {
            await Results.BadRequest(problem).ExecuteAsync(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        using var activity = OperatorTelemetry.Source.StartActivity($"admission {route.Name}", ActivityKind.Server);
        activity?.SetTag("k8s.namespace.name", request.Namespace);
        activity?.SetTag("chunkgate.admission.operation", request.Operation.ToString());
        AdmissionReviewResponse response;
        try
        {
            response = await route.Webhook.ReviewAsync(request, context.RequestAborted);
        }
        catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogFailed(logger, error, route.Name, request.Operation.ToString(), request.Namespace, request.ObjectName);
            response = AdmissionReviewResponse.Failed($"ChunkGate could not review {request.Resource} {request.Namespace}/{request.ObjectName}: {error.Message}");
        }

        var tags = new TagList { { "webhook", route.Name }, { "operation", request.Operation.ToString() }, { "dry_run", request.DryRun } };
        AdmissionTelemetry.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        if (!response.Allowed)
        {
            AdmissionTelemetry.Denials.Add(1, tags);
            activity?.SetStatus(ActivityStatusCode.Error, response.Message);
            LogDenied(logger, route.Name, request.Operation.ToString(), request.Resource, request.Namespace, request.ObjectName, request.User.Username, request.DryRun, response.Message);
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToReview(request.Uid).ToJsonString(), context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admission denied by {Webhook}: {Operation} {Resource} {Namespace}/{Name} by {User} (dryRun={DryRun}): {Reason}")]
    private static partial void LogDenied(ILogger logger, string webhook, string operation, string resource, string @namespace, string name, string user, bool dryRun, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Admission by {Webhook} could not decide {Operation} {Namespace}/{Name}")]
    private static partial void LogFailed(ILogger logger, Exception error, string webhook, string operation, string @namespace, string name);
}
