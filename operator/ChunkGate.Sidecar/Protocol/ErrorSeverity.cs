namespace ChunkGate.Sidecar.Protocol;

/// <summary>Severity of an ErrorResponse the sidecar originates.</summary>
internal enum ErrorSeverity
{
    /// <summary>The statement failed; the session goes on.</summary>
    Error,

    /// <summary>The session ends after this message.</summary>
    Fatal,
}
