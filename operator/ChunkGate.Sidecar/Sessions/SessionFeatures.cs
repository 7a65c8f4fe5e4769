using ChunkGate.Sidecar.Upstream;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Masking and recording attached to one session; all optional (null means pass-through).</summary>
internal sealed record SessionFeatures(
    IResultFilter? Filter = null,
    IStatementObserver? Statements = null,
    IResultObserver? Results = null,
    IAsyncDisposable? Lifetime = null,
    ICopyGate? CopyGate = null)
{
    public static SessionFeatures None { get; } = new();
}

/// <summary>Creates the features of a session once its upstream credential is known (catalog resolution needs it).</summary>
internal interface ISessionFeatureFactory
{
    Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken);
}
