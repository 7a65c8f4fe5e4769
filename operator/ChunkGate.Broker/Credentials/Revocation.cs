namespace ChunkGate.Broker.Credentials;

/// <summary>The outcome of revoking one role.</summary>
/// <param name="Existed">False when the role was already gone (a repeated revocation).</param>
public sealed record Revocation(string Role, bool Existed, int SessionsTerminated);
