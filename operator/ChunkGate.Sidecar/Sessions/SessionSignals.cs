namespace ChunkGate.Sidecar.Sessions;

/// <summary>State both directions of one session read: whether it expired, and why it ended.</summary>
internal sealed class SessionSignals
{
    private volatile bool expired;

    public bool Expired => expired;

    public void MarkExpired() => expired = true;
}
