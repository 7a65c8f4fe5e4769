namespace ChunkGate.Sidecar.Sessions;

/// <summary>Why one direction of a session stopped.</summary>
internal enum PumpOutcome
{
    /// <summary>The peer closed its side or sent Terminate.</summary>
    Closed,

    /// <summary>The peer broke the protocol (malformed header, impossible length).</summary>
    ProtocolViolation,

    /// <summary>A message that must be inspected whole exceeded the configured bound.</summary>
    MessageTooLarge,

    /// <summary>A message to inspect found no room in the process-wide buffer budget.</summary>
    OutOfBufferBudget,

    /// <summary>The approval expired.</summary>
    Expired,

    /// <summary>The session is being torn down by the other direction.</summary>
    Stopped,
}
