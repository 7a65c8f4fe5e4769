using ChunkGate.Api.Jobs;

namespace ChunkGate.Broker.Ledger;

/// <summary>One issued role as the ledger records it.</summary>
public sealed record LedgerEntry(
    string Role,
    string JobUid,
    string Namespace,
    string Name,
    int Run,
    JobAction Action,
    IReadOnlyList<string> Tables,
    DateTimeOffset ExpiresAt,
    DateTimeOffset IssuedAt,
    DateTimeOffset? RevokedAt);
