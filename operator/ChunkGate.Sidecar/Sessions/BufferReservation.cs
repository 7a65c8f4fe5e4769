namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// One pump's share of the <see cref="BufferBudget"/>: at most one reservation, for the large
/// message it is buffering now, given back once that message has been rewritten and flushed.
/// A pump holds nothing while it waits for budget, so sessions cannot deadlock on each other.
/// Messages up to <see cref="Unbudgeted"/> cost nothing: they fit in the normal read buffer.
/// </summary>
/// <remarks>
/// Protocol for the pump: before buffering a message of more than <see cref="Unbudgeted"/> bytes
/// call <see cref="Covers"/>; on false stop processing, leave the buffer unexamined
/// (<see cref="MustRevisit"/>), flush, and call <see cref="SettleAsync"/>. Call
/// <see cref="Consumed"/> once the covered message is written out; <see cref="Dispose"/> in
/// <c>finally</c>.
/// </remarks>
internal sealed class BufferReservation(BufferBudget budget, TimeSpan wait) : IDisposable
{
    /// <summary>The pipes' normal read buffer: smaller messages are never charged.</summary>
    public const int Unbudgeted = 64 * 1024;

    private long held;
    private long wanted;
    private bool spent;

    /// <summary>The pump must read its buffer again from the start: it stopped at a message waiting for budget.</summary>
    public bool MustRevisit => wanted > 0 || spent;

    /// <summary>Budget reserved by this pump now (0 when none).</summary>
    public long Held => held;

    /// <summary>The amount last asked for and refused (for the error message).</summary>
    public long Refused { get; private set; }

    public long Capacity => budget.Capacity;

    /// <summary>
    /// Whether a message of <paramref name="messageBytes"/>, costing <paramref name="cost"/> bytes
    /// while buffered and rewritten, may be buffered now.
    /// </summary>
    public bool Covers(long messageBytes, long cost)
    {
        if (messageBytes <= Unbudgeted)
        {
            return true;
        }

        if (held >= cost && !spent)
        {
            return true;
        }

        // Nothing held, or the previous large message's budget still waiting for its flush
        // (SettleAsync returns that first, then reserves for this one).

        wanted = cost;
        return false;
    }

    /// <summary>The covered message has been written to the output; its budget goes back after the next flush.</summary>
    public void Consumed() => spent = held > 0;

    /// <summary>After a flush: returns spent budget, then reserves what was asked for; false when no budget came in time.</summary>
    public async ValueTask<bool> SettleAsync()
    {
        if (spent)
        {
            ReleaseHeld();
        }

        if (wanted == 0)
        {
            return true;
        }

        var asked = wanted;
        wanted = 0;
        if (held > 0)
        {
            // A larger message than the one reserved for: reserve the whole amount afresh.
            ReleaseHeld();
        }

        if (!await budget.ReserveAsync(asked, wait).ConfigureAwait(false))
        {
            Refused = asked;
            return false;
        }

        held = asked;
        return true;
    }

    public void Dispose()
    {
        wanted = 0;
        ReleaseHeld();
    }

    private void ReleaseHeld()
    {
        budget.Release(held);
        held = 0;
        spent = false;
    }
}
