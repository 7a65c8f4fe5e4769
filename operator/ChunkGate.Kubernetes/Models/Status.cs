using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Models;

/// <summary>metav1.Status: the body of every API failure and of some successful deletes.</summary>
public sealed class Status
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ListMeta? Metadata { get; set; }

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyName("status")]
    public string? StatusValue { get; set; }

    public string? Message { get; set; }

    /// <summary>Machine-readable reason, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Invalid</c>, <c>Expired</c>.</summary>
    public string? Reason { get; set; }

    public StatusDetails? Details { get; set; }

    public int? Code { get; set; }
}

public sealed class StatusDetails
{
    public string? Name { get; set; }

    public string? Group { get; set; }

    public string? Kind { get; set; }

    public string? Uid { get; set; }

    public List<StatusCause>? Causes { get; set; }

    public int? RetryAfterSeconds { get; set; }
}

public sealed class StatusCause
{
    /// <summary>e.g. <c>FieldValueInvalid</c>, <c>FieldValueRequired</c>.</summary>
    public string? Reason { get; set; }

    public string? Message { get; set; }

    /// <summary>Path of the offending field, e.g. <c>spec.ttl</c>.</summary>
    public string? Field { get; set; }
}
