using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>What every session of one sidecar process shares.</summary>
internal sealed class SidecarContext(SidecarOptions options, TimeProvider timeProvider, ILogger logger, ISessionFeatureFactory? features = null)
{
    public SidecarOptions Options => options;

    public TimeProvider Time => timeProvider;

    public ILogger Logger => logger;

    public ISessionFeatureFactory? Features => features;

    public CancelRegistry Cancels { get; } = new();

    /// <summary>The process-wide bound on bytes held to inspect or rewrite large messages.</summary>
    public BufferBudget Buffers { get; } = new(options.MaxBufferedBytes, timeProvider);

    public ApprovalDeadline Deadline { get; } = new(options.ExpiresAt, timeProvider);

    /// <summary>Ends backends at the deadline; null when there is no deadline.</summary>
    public ExpiryTerminator? Terminator { get; } = options.ExpiresAt is null
        ? null
        : new ExpiryTerminator(new SharedConnection(credential => ControlConnectionString.For(options, credential, "expiry")), new ApprovalDeadline(options.ExpiresAt, timeProvider));
}
