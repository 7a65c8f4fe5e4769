namespace ChunkGate.Broker.Ledger;

/// <summary>What a sweep should do, decided from the ledger, the roles that exist and the time.</summary>
/// <param name="Revoke">Recorded, not revoked yet, and expired or no longer live.</param>
/// <param name="Unknown">Roles with the ChunkGate prefix the ledger never recorded: reported, never dropped.</param>
public sealed record SweepPlan(IReadOnlyList<LedgerEntry> Revoke, IReadOnlyList<string> Unknown);

internal static class SweepDecider
{
    /// <param name="ledger">Every ledger entry, revoked ones included (a revoked role that still exists is revoked again).</param>
    /// <param name="existingRoles">Roles in the database whose name starts with the ChunkGate prefix.</param>
    /// <param name="isRunLive">The controller's answer: is this job's run still meant to run?</param>
    public static SweepPlan Decide(IReadOnlyList<LedgerEntry> ledger, IReadOnlyCollection<string> existingRoles, Func<LedgerEntry, bool> isRunLive, DateTimeOffset now)
    {
        var existing = existingRoles.ToHashSet(StringComparer.Ordinal);
        var revoke = ledger
            .Where(entry => entry.RevokedAt is null ? entry.ExpiresAt <= now || !isRunLive(entry) : existing.Contains(entry.Role))
            .ToList();
        var recorded = ledger.Select(entry => entry.Role).ToHashSet(StringComparer.Ordinal);
        var unknown = existingRoles.Where(role => !recorded.Contains(role)).Order(StringComparer.Ordinal).ToList();
        return new SweepPlan(revoke, unknown);
    }
}
