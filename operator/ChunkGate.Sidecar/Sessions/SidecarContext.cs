using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Deadline;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>What every session of one sidecar process shares.</summary>
internal sealed class SidecarContext
{
    public SidecarContext(SidecarOptions options, TimeProvider timeProvider, ILogger logger, ISessionFeatureFactory? features = null)
    {
        (Options, Time, Logger, Features) = (options, timeProvider, logger, features);
        Buffers = new BufferBudget(options.MaxBufferedBytes, timeProvider);
        Deadline = new ApprovalDeadline(options.ExpiresAt, timeProvider);
        Terminator = options.ExpiresAt is null
            ? null
            : new ExpiryTerminator(new SharedConnection(credential => ControlConnectionString.For(options, credential, "expiry")), Deadline);
    }

    public SidecarOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public ISessionFeatureFactory? Features { get; }

    public CancelRegistry Cancels { get; } = new();

    /// <summary>The process-wide bound on bytes held to inspect or rewrite large messages.</summary>
    public BufferBudget Buffers { get; }

    public ApprovalDeadline Deadline { get; }

    /// <summary>Ends backends at the deadline (it closes once the last session after it has ended); null when there is no deadline.</summary>
    public ExpiryTerminator? Terminator { get; }
}
