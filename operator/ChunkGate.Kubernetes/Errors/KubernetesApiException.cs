using k8s.Models;

namespace ChunkGate.Kubernetes.Errors;

/// <summary>
/// The API server refused a request. Carries the HTTP code, the metav1.Status reason and the
/// server's own message; subclasses name the reasons callers branch on. The official client throws
/// one <c>HttpOperationException</c> for every refusal, with the Status only as response text, so
/// reconcilers would each re-parse it to tell "already exists" from "conflict" (both 409).
/// </summary>
public class KubernetesApiException(int statusCode, string? reason, string message, V1Status? status, Exception? inner = null)
    : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;

    public string? Reason { get; } = reason;

    /// <summary>The metav1.Status body, when the server sent one.</summary>
    public V1Status? Status { get; } = status;
}

public sealed class NotFoundException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(404, "NotFound", message, status, inner);

public sealed class AlreadyExistsException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(409, "AlreadyExists", message, status, inner);

/// <summary>Optimistic concurrency failed: the object changed since it was read (stale resourceVersion or precondition).</summary>
public sealed class ConflictException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(409, "Conflict", message, status, inner);

public sealed class ForbiddenException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(403, "Forbidden", message, status, inner);

public sealed class UnauthorizedException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(401, "Unauthorized", message, status, inner);

/// <summary>The object failed validation; <see cref="Causes"/> names each offending field.</summary>
public sealed class InvalidException(string message, V1Status? status, Exception? inner = null) : KubernetesApiException(422, "Invalid", message, status, inner)
{
    public IReadOnlyList<V1StatusCause> Causes { get; } = status?.Details?.Causes?.ToList() ?? [];
}

/// <summary>The requested resourceVersion is too old (410 Gone / reason Expired): re-list.</summary>
public sealed class ExpiredException(string reason, string message, V1Status? status, Exception? inner = null) : KubernetesApiException(410, reason, message, status, inner);

/// <summary>The server throttled the request; <see cref="RetryAfter"/> is its requested wait.</summary>
public sealed class TooManyRequestsException(string message, V1Status? status, TimeSpan? retryAfter, Exception? inner = null) : KubernetesApiException(429, "TooManyRequests", message, status, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
