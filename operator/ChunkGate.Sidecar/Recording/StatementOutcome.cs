namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// How a statement ended, as counted by the proxy on the data path.
/// </summary>
/// <param name="CommandTag">CommandComplete tag (<c>SELECT 5</c>), null when it failed or was refused.</param>
/// <param name="Rows">DataRows (or COPY rows) sent to the client.</param>
/// <param name="Bytes">Bytes sent to the client for this statement.</param>
/// <param name="MaskedValues">Values masked (column rules and detectors).</param>
/// <param name="ErrorCode">SQLSTATE when it failed or was refused.</param>
/// <param name="ErrorMessage">The error message exactly as the client saw it (already masked by the proxy); the recorder masks it again with the detectors.</param>
/// <param name="Refused">True when the sidecar itself refused it (guardrail, deadline).</param>
/// <param name="Ending">How the execution ended when not with CommandComplete or an error.</param>
internal readonly record struct StatementOutcome(
    string? CommandTag,
    long Rows,
    long Bytes,
    long MaskedValues,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    bool Refused = false,
    StatementEnding Ending = StatementEnding.Completed);

/// <summary>How one execution's answer ended.</summary>
internal enum StatementEnding : byte
{
    /// <summary>CommandComplete, or ErrorResponse (then <see cref="StatementOutcome.ErrorCode"/> is set).</summary>
    Completed,

    /// <summary>EmptyQueryResponse: the statement text was empty.</summary>
    Empty,

    /// <summary>PortalSuspended: Execute's row limit was reached; a later Execute of the portal is a new record.</summary>
    Suspended,

    /// <summary>Never run: the server skipped it after an earlier error, up to the pipeline's Sync.</summary>
    Skipped,

    /// <summary>
    /// The session ended before the server answered it. Whether it ran is not known here: a
    /// statement can commit just before the backend is ended, its answer still in the socket.
    /// </summary>
    Unanswered,
}
