namespace ChunkGate.Kubernetes.Models;

public enum PropagationPolicy
{
    Orphan,
    Background,
    Foreground,
}

public sealed class DeleteOptions
{
    public string ApiVersion { get; set; } = "v1";

    public string Kind { get; set; } = "DeleteOptions";

    public PropagationPolicy? PropagationPolicy { get; set; }

    public long? GracePeriodSeconds { get; set; }

    public Preconditions? Preconditions { get; set; }

    public List<string>? DryRun { get; set; }
}

/// <summary>The delete only happens when the stored object still has this uid / resourceVersion.</summary>
public sealed class Preconditions
{
    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }
}
