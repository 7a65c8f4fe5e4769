namespace ChunkGate.Sidecar.Deadline;

/// <summary>
/// The approval's <c>expiresAt</c> (design.md rule 4), on the injected clock so tests drive it
/// without sleeping. Sessions end, and new ones are refused, <see cref="EndingLead"/> before it:
/// ending a backend takes a round trip on the sidecar's own connection, per session, and
/// statements already in the backend's socket go on committing until the termination lands
/// (a hostile probe measured commits up to 64 ms after the deadline with 22 sessions ending at once).
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

    /// <summary>How long before <c>expiresAt</c> sessions end, so that nothing they sent commits after it.</summary>
    public static readonly TimeSpan EndingLead = TimeSpan.FromMilliseconds(500);

    public DateTimeOffset? ExpiresAt => expiresAt;

    /// <summary>When sessions end: <see cref="EndingLead"/> before <c>expiresAt</c>.</summary>
    public DateTimeOffset? EndsAt => expiresAt - EndingLead;

    public bool HasExpired => EndsAt is { } at && timeProvider.GetUtcNow() >= at;

    public string ExpiredMessage => $"approval expired: the ChunkGate approval for this session ends at {expiresAt:O}, and its sessions {EndingLead.TotalMilliseconds:0} ms before, so that nothing they sent commits later";

    /// <summary>Calls <paramref name="onExpired"/> once at the deadline; null when there is none. Dispose to disarm.</summary>
    public IDisposable? Arm(Action onExpired) => EndsAt is { } at ? new LongTimer(timeProvider, at, onExpired) : null;
}
