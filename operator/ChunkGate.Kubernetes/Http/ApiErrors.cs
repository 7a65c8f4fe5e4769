using System.Text.Json;
using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// Maps a failed response to a typed exception. The metav1.Status reason decides first (409 carries
/// both AlreadyExists and Conflict); the HTTP code decides when there is no usable Status body.
/// </summary>
internal static class ApiErrors
{
    public static KubernetesApiException FromResponse(int statusCode, ReadOnlySpan<byte> body, TimeSpan? retryAfterHeader, string requestDescription)
    {
        var status = TryParseStatus(body);
        return FromStatus(statusCode, status, retryAfterHeader, requestDescription);
    }

    public static KubernetesApiException FromStatus(int statusCode, Status? status, TimeSpan? retryAfterHeader, string requestDescription)
    {
        var code = status?.Code is { } statusCodeInBody and > 0 ? statusCodeInBody : statusCode;
        var message = string.IsNullOrWhiteSpace(status?.Message)
            ? $"{requestDescription}: HTTP {statusCode}"
            : $"{requestDescription}: {status.Message}";
        var reason = status?.Reason;
        var retryAfter = status?.Details?.RetryAfterSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : retryAfterHeader;
        return reason switch
        {
            "NotFound" => new NotFoundException(message, status),
            "AlreadyExists" => new AlreadyExistsException(message, status),
            "Conflict" => new ConflictException(message, status),
            "Invalid" => new InvalidException(message, status),
            "Forbidden" => new ForbiddenException(message, status),
            "Unauthorized" => new UnauthorizedException(message, status),
            "Expired" or "Gone" => new ExpiredException(reason, message, status),
            "TooManyRequests" => new TooManyRequestsException(message, status, retryAfter),
            _ => code switch
            {
                404 => new NotFoundException(message, status),
                409 => new ConflictException(message, status),
                422 => new InvalidException(message, status),
                403 => new ForbiddenException(message, status),
                401 => new UnauthorizedException(message, status),
                410 => new ExpiredException(reason ?? "Gone", message, status),
                429 => new TooManyRequestsException(message, status, retryAfter),
                _ => new KubernetesApiException(code, reason, message, status),
            },
        };
    }

    public static Status? TryParseStatus(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Status);
            return status?.Kind == "Status" ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
