namespace ChunkGate.Kubernetes.Election;

/// <summary>Lease-based election settings; the defaults are controller-runtime's (15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseName { get; init; }

    public required string LeaseNamespace { get; init; }

    /// <summary>Unique per replica, e.g. the Pod name plus a random suffix.</summary>
    public required string Identity { get; init; }

    /// <summary>How long others wait after last seeing the lease change before taking it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up if it cannot renew within this long.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between acquire or renew attempts.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clear the holder when stopping, so a successor need not wait out the lease.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    public void Validate()
    {
        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException("LeaseDuration must be greater than RenewDeadline");
        }

        if (RenewDeadline <= RetryPeriod * 1.2)
        {
            throw new ArgumentException("RenewDeadline must be greater than RetryPeriod × 1.2");
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("Identity is required");
        }
    }
}
