namespace ChunkGate.Sidecar.Deadline;

/// <summary>
/// The approval's <c>expiresAt</c> (design.md rule 4): sessions are refused after it and ended at
/// it, on the injected clock so tests drive it without sleeping.
/// </summary>
internal sealed class ApprovalDeadline(DateTimeOffset? expiresAt, TimeProvider timeProvider)
{
    public const string ExpiredSqlState = "57P01";

    /// <summary>
    /// How long after the deadline a session may take to end cleanly: finish the message in flight
    /// and tell the client why. Real time: it bounds socket I/O on peers that may have stalled, not
    /// the approval itself.
    /// </summary>
    public static readonly TimeSpan EndingGrace = TimeSpan.FromSeconds(2);

    public DateTimeOffset? ExpiresAt => expiresAt;

    public bool HasExpired => expiresAt is { } at && timeProvider.GetUtcNow() >= at;

    public string ExpiredMessage => $"approval expired: the ChunkGate approval for this session ended at {expiresAt:O}";

    /// <summary>Calls <paramref name="onExpired"/> once at the deadline; null when there is none. Dispose to disarm.</summary>
    public ITimer? Arm(Action onExpired)
    {
        if (expiresAt is not { } at)
        {
            return null;
        }

        var due = at - timeProvider.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        return timeProvider.CreateTimer(_ => onExpired(), null, due, Timeout.InfiniteTimeSpan);
    }
}
