namespace ChunkGate.Operator.Decisions;

/// <summary>
/// The role's CONNECTION LIMIT for a run of N Pods. Each Pod holds: the runner's session through
/// its sidecar, and the sidecar's own two control connections (ChunkGate.Sidecar: the shared
/// catalog connection of masking, opened when a column rule exists, and the expiry connection that
/// ends the role's backends at the deadline, opened before the first statement). One spare
/// for a reconnect racing the old backend's exit. 32 Pods give 97, under the broker's cap of 100.
/// </summary>
public static class RunConnections
{
    public const int RunnerSessionsPerPod = 1;
    public const int SidecarControlConnectionsPerPod = 2;
    public const int Spare = 1;

    public static int Limit(int pods) => (Math.Max(1, pods) * (RunnerSessionsPerPod + SidecarControlConnectionsPerPod)) + Spare;
}
