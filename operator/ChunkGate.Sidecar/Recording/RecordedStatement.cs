namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// Handle returned by <see cref="RecordingSession.StatementStarted"/> and passed back to
/// <see cref="RecordingSession.StatementCompleted"/>; carries the start time so the recorder keeps
/// no per-statement state. A default handle (Id 0) is ignored.
/// </summary>
internal readonly record struct RecordedStatement(long Id, long StartTimestamp);
