namespace ChunkGate.Sidecar.Guardrails;

/// <summary>A refused statement: the SQLSTATE and message the client receives as an ErrorResponse.</summary>
internal sealed record GuardrailRefusal(string SqlState, string Message);
