using System.Net;
using System.Net.Http.Headers;
using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Kubernetes;

/// <summary>
/// A connection to one API server as one identity: one pooled handler, authentication, timeouts,
/// safe retries and typed errors. Create one per process and share it; typed access goes through
/// <see cref="Resource{T}"/>.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private readonly HttpClient http;
    private readonly ILogger logger;
    private readonly RetryPolicy retry;

    public KubernetesClient(KubernetesClientConfiguration configuration, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, RetryPolicy? retryPolicy = null)
    {
        Configuration = configuration;
        TimeProvider = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = LoggerFactory.CreateLogger<KubernetesClient>();
        retry = retryPolicy ?? RetryPolicy.Default;
        http = new HttpClient(KubernetesHttpHandlerFactory.Create(configuration), disposeHandler: true)
        {
            BaseAddress = configuration.Server,
            Timeout = Timeout.InfiniteTimeSpan, // watches are long; each call gets its own deadline
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(configuration.UserAgent);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public KubernetesClientConfiguration Configuration { get; }

    public TimeProvider TimeProvider { get; }

    public ILoggerFactory LoggerFactory { get; }

    public string DefaultNamespace => Configuration.Namespace;

    public ResourceClient<T> Resource<T>(ResourceType type)
        where T : class, IKubernetesObject => new(this, type);

    public void Dispose() => http.Dispose();

    /// <summary>Sends with auth, retries where safe, and maps failures to typed exceptions. The caller disposes the response.</summary>
    internal async Task<HttpResponseMessage> SendAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        using var activity = KubernetesTelemetry.ActivitySource.StartActivity($"kubernetes {request.Method.Method}", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("http.request.method", request.Method.Method);
        activity?.SetTag("url.path", PathOnly(request.PathAndQuery));
        activity?.SetTag("server.address", Configuration.Server.Host);
        try
        {
            var response = await SendWithRetriesAsync(request, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            return response;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
            activity?.SetTag("http.response.status_code", (ex as KubernetesApiException)?.StatusCode);
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendWithRetriesAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var refreshedCredentials = false;
        for (var attempt = 1; ; attempt++)
        {
            using var deadline = request.Streaming ? null : new CancellationTokenSource(Configuration.RequestTimeout, TimeProvider);
            using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var token = linked?.Token ?? cancellationToken;
            var started = TimeProvider.GetTimestamp();
            HttpResponseMessage response;
            try
            {
                using var message = await BuildMessageAsync(request, token).ConfigureAwait(false);
                response = await http.SendAsync(message, request.Streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (request.IsIdempotentRead && attempt < retry.MaxAttempts)
            {
                var wait = retry.TransportDelay(attempt);
                LogTransportRetry(logger, request.Method.Method, PathOnly(request.PathAndQuery), ex.Message, wait.TotalMilliseconds);
                KubernetesTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", "transport"));
                await Task.Delay(wait, TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{request.Describe()}: no response within {Configuration.RequestTimeout.TotalSeconds:0} s");
            }

            var code = (int)response.StatusCode;
            var elapsed = TimeProvider.GetElapsedTime(started);
            LogResponse(logger, request.Method.Method, PathOnly(request.PathAndQuery), code, elapsed.TotalMilliseconds);
            KubernetesTelemetry.RequestDuration.Record(elapsed.TotalSeconds, new("http.request.method", request.Method.Method), new("http.response.status_code", code));
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                var retryAfter = RetryAfter(response);
                if (code == 401 && !refreshedCredentials && Configuration.Credentials?.Invalidate() == true)
                {
                    refreshedCredentials = true;
                    continue;
                }

                var throttled = code == 429 || (code >= 500 && retryAfter is not null && request.IsIdempotentRead);
                if (throttled && attempt < retry.MaxAttempts)
                {
                    var wait = retry.RetryAfterDelay(retryAfter);
                    LogThrottled(logger, request.Method.Method, PathOnly(request.PathAndQuery), code, wait.TotalMilliseconds);
                    KubernetesTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("reason", code == 429 ? "throttled" : "unavailable"));
                    await Task.Delay(wait, TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                throw ApiErrors.FromResponse(code, body, retryAfter, request.Describe());
            }
        }
    }

    internal async Task<T> SendForObjectAsync<T>(ApiRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return KubernetesJson.Deserialize<T>(body) ?? throw new InvalidDataException($"{request.Describe()}: empty response body");
    }

    internal async Task<string> SendForTextAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpRequestMessage> BuildMessageAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(request.Method, request.PathAndQuery)
        {
            // HTTP/2 when TLS negotiation offers it; plain http stays on HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (request.Body is { } body)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType ?? "application/json");
        }

        if (Configuration.Credentials is { } credentials)
        {
            message.Headers.Authorization = await credentials.GetAuthorizationAsync(cancellationToken).ConfigureAwait(false);
        }

        return message;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - TimeProvider.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    // Query strings can carry selectors but never credentials; logging only the path keeps lines short.
    private static string PathOnly(string pathAndQuery) => pathAndQuery.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? pathAndQuery[..q] : pathAndQuery;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} -> {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void LogResponse(ILogger logger, string method, string path, int statusCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} throttled ({StatusCode}); retrying in {WaitMs:0} ms")]
    private static partial void LogThrottled(ILogger logger, string method, string path, int statusCode, double waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} failed ({Error}); retrying in {WaitMs:0} ms")]
    private static partial void LogTransportRetry(ILogger logger, string method, string path, string error, double waitMs);
}
