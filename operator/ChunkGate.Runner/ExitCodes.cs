namespace ChunkGate.Runner;

/// <summary>The runner's exit codes, as the run contract fixes them (README).</summary>
internal static class ExitCodes
{
    /// <summary>Every owned chunk is done; the <c>done</c> record was printed.</summary>
    public const int Done = 0;

    /// <summary>Bad environment or spec: nothing was run.</summary>
    public const int BadConfiguration = 2;

    /// <summary>A chunk (or the plan's key-range query) failed; the <c>failed</c> record was printed.</summary>
    public const int ChunkFailed = 3;

    /// <summary>The sidecar or the database could not be reached, or refused the credential.</summary>
    public const int Unreachable = 4;

    /// <summary>The approval expired before the work ended.</summary>
    public const int Expired = 5;
}
