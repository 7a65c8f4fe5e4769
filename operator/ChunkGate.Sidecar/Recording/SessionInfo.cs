namespace ChunkGate.Sidecar.Recording;

/// <summary>Who and what a recorded session is about; every field optional.</summary>
internal sealed record SessionInfo(
    string? User = null,
    string? Database = null,
    string? Action = null,
    string? Client = null,
    DateTimeOffset? ExpiresAt = null,
    string? TraceId = null);
