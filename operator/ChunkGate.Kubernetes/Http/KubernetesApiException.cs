using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// The API server refused a request. Carries the HTTP code, the metav1.Status reason and the
/// server's own message; subclasses name the reasons callers branch on.
/// </summary>
public class KubernetesApiException(int statusCode, string? reason, string message, Status? status)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Reason { get; } = reason;

    /// <summary>The metav1.Status body, when the server sent one.</summary>
    public Status? Status { get; } = status;
}

public sealed class NotFoundException(string message, Status? status) : KubernetesApiException(404, "NotFound", message, status);

public sealed class AlreadyExistsException(string message, Status? status) : KubernetesApiException(409, "AlreadyExists", message, status);

/// <summary>Optimistic concurrency failed: the object changed since it was read (stale resourceVersion or precondition).</summary>
public sealed class ConflictException(string message, Status? status) : KubernetesApiException(409, "Conflict", message, status);

public sealed class ForbiddenException(string message, Status? status) : KubernetesApiException(403, "Forbidden", message, status);

public sealed class UnauthorizedException(string message, Status? status) : KubernetesApiException(401, "Unauthorized", message, status);

/// <summary>The object failed validation; <see cref="Causes"/> names each offending field.</summary>
public sealed class InvalidException(string message, Status? status) : KubernetesApiException(422, "Invalid", message, status)
{
    public IReadOnlyList<StatusCause> Causes { get; } = status?.Details?.Causes ?? [];
}

/// <summary>The requested resourceVersion is too old (410 Gone / reason Expired): re-list.</summary>
public sealed class ExpiredException(string reason, string message, Status? status) : KubernetesApiException(410, reason, message, status);

/// <summary>The server throttled the request; <see cref="RetryAfter"/> is its requested wait.</summary>
public sealed class TooManyRequestsException(string message, Status? status, TimeSpan? retryAfter) : KubernetesApiException(429, "TooManyRequests", message, status)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
