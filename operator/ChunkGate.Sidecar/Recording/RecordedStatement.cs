namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// Handle returned by <see cref="SessionRecorder.StatementStarted"/> and passed back to
/// <see cref="SessionRecorder.StatementCompleted"/>; carries the start time so the recorder keeps
/// no per-statement state. A default handle (Id 0) is ignored.
/// </summary>
internal readonly record struct RecordedStatement(long Id, long StartTimestamp);
