namespace ChunkGate.Sidecar.Configuration;

/// <summary>What the approved job may do (design.md rule 5); the guardrails follow it.</summary>
internal enum SessionAction
{
    Read,
    Export,
    Write,
    Transform,
}
