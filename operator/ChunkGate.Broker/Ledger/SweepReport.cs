using ChunkGate.Broker.Credentials;

namespace ChunkGate.Broker.Ledger;

/// <summary>What one sweep did: roles revoked, revocations that failed (retried next sweep), roles it does not know.</summary>
public sealed record SweepReport(IReadOnlyList<Revocation> Revoked, IReadOnlyList<BrokerException> Failed, IReadOnlyList<string> Unknown);
