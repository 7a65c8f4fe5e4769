using ChunkGate.Sidecar.Upstream;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Masking and recording attached to one session; all optional (null means pass-through).</summary>
internal sealed record SessionFeatures(
    IResultFilter? Filter = null,
    IStatementObserver? Statements = null,
    IResultObserver? Results = null,
    IAsyncDisposable? Lifetime = null,
    ICopyGate? CopyGate = null,
    IBackendTerminator? Terminator = null)
{
    public static SessionFeatures None { get; } = new();
}

/// <summary>Creates the features of a session once its upstream credential is known (catalog resolution needs it).</summary>
internal interface ISessionFeatureFactory
{
    Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken);
}

/// <summary>
/// Ends the session's backend from another connection of the same role (a role may terminate its
/// own backends). A CancelRequest can be caught by PL/pgSQL (<c>EXCEPTION WHEN query_canceled</c>)
/// and a closed socket goes unnoticed until the backend writes, so a function could still commit
/// after expiry; termination cannot be caught.
/// </summary>
internal interface IBackendTerminator
{
    Task<bool> TerminateAsync(int processId, CancellationToken cancellationToken);
}
