using System.Net;
using ChunkGate.Kubernetes.Telemetry;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// Repeats requests where that is safe, which the official client does not do at all: a 429 for any
/// verb (the server did not act on it) after the server's Retry-After; a transport failure or a 5xx
/// with Retry-After only for GET. Plugged into the official client's handler pipeline
/// (<see cref="KubernetesClients.Create"/>). Waits run on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class RetryHandler(RetryPolicy policy, TimeProvider timeProvider, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var safeToRepeat = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            var sent = timeProvider.GetTimestamp();
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (safeToRepeat && attempt < policy.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                var wait = policy.TransportDelay(attempt);
                LogTransportRetry(logger, request.Method.Method, request.RequestUri?.AbsolutePath, ex.Message, wait.TotalMilliseconds);
                KubernetesTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", "transport"));
                await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var code = (int)response.StatusCode;
            LogAnswered(logger, request.Method.Method, request.RequestUri?.AbsolutePath, code, timeProvider.GetElapsedTime(sent).TotalMilliseconds);
            var retryAfter = RetryAfter(response);
            var throttled = code == (int)HttpStatusCode.TooManyRequests || (code >= 500 && retryAfter is not null && safeToRepeat);
            if (!throttled || attempt >= policy.MaxAttempts)
            {
                return response;
            }

            response.Dispose();
            var delay = policy.RetryAfterDelay(retryAfter);
            LogThrottled(logger, request.Method.Method, request.RequestUri?.AbsolutePath, code, delay.TotalMilliseconds);
            KubernetesTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", code == 429 ? "throttled" : "unavailable"));
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - timeProvider.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    // Only the path: query strings carry selectors, never worth a log line; credentials are never logged.
    // Where a reconcile's time goes, call by call (Debug: off unless asked for, e.g. Logging__LogLevel__ChunkGate=Debug).
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogAnswered(ILogger logger, string method, string? path, int statusCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} throttled ({StatusCode}); retrying in {WaitMs:0} ms")]
    private static partial void LogThrottled(ILogger logger, string method, string? path, int statusCode, double waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} failed ({Error}); retrying in {WaitMs:0} ms")]
    private static partial void LogTransportRetry(ILogger logger, string method, string? path, string error, double waitMs);
}
