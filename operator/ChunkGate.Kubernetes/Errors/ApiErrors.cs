using System.Text.Json;
using ChunkGate.Kubernetes.Json;
using k8s.Autorest;
using k8s.Models;

namespace ChunkGate.Kubernetes.Errors;

/// <summary>
/// Maps a refusal to a typed exception. The metav1.Status reason decides first (409 carries both
/// AlreadyExists and Conflict); the HTTP code decides when there is no usable Status body.
/// </summary>
public static class ApiErrors
{
    /// <summary>Awaits an official-client call and rethrows its <see cref="HttpOperationException"/> typed.</summary>
    public static async Task<T> Typed<T>(this Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw From(ex);
        }
    }

    /// <summary>The result, or null when the object does not exist.</summary>
    public static async Task<T?> OrNull<T>(this Task<T> call)
        where T : class
    {
        try
        {
            return await call.Typed().ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public static KubernetesApiException From(HttpOperationException ex)
    {
        var code = (int)(ex.Response?.StatusCode ?? 0);
        var retryAfter = ex.Response?.Headers is { } headers && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds) ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var described = $"{ex.Request?.Method} {ex.Request?.RequestUri?.AbsolutePath}";
        return FromStatus(code, TryParseStatus(ex.Response?.Content), retryAfter, described, ex);
    }

    public static KubernetesApiException FromStatus(int statusCode, V1Status? status, TimeSpan? retryAfterHeader, string requestDescription, Exception? inner = null)
    {
        var code = status?.Code is { } statusCodeInBody and > 0 ? statusCodeInBody : statusCode;
        var message = string.IsNullOrWhiteSpace(status?.Message)
            ? $"{requestDescription}: HTTP {statusCode}"
            : $"{requestDescription}: {status.Message}";
        var reason = status?.Reason;
        var retryAfter = status?.Details?.RetryAfterSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : retryAfterHeader;
        return reason switch
        {
            "NotFound" => new NotFoundException(message, status, inner),
            "AlreadyExists" => new AlreadyExistsException(message, status, inner),
            "Conflict" => new ConflictException(message, status, inner),
            "Invalid" => new InvalidException(message, status, inner),
            "Forbidden" => new ForbiddenException(message, status, inner),
            "Unauthorized" => new UnauthorizedException(message, status, inner),
            "Expired" or "Gone" => new ExpiredException(reason, message, status, inner),
            "TooManyRequests" => new TooManyRequestsException(message, status, retryAfter, inner),
            _ => code switch
            {
                404 => new NotFoundException(message, status, inner),
                409 => new ConflictException(message, status, inner),
                422 => new InvalidException(message, status, inner),
                403 => new ForbiddenException(message, status, inner),
                401 => new UnauthorizedException(message, status, inner),
                410 => new ExpiredException(reason ?? "Gone", message, status, inner),
                429 => new TooManyRequestsException(message, status, retryAfter, inner),
                _ => new KubernetesApiException(code, reason, message, status, inner),
            },
        };
    }

    public static V1Status? TryParseStatus(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize<V1Status>(body, KubernetesJsonOptions.Default);
            return status?.Kind == "Status" ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
