namespace ChunkGate.Kubectl.Cli;

/// <summary>The process exit codes, as documented in every command's <c>--help</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The cluster could not be reached or answered unexpectedly; kubeconfig problems.</summary>
    public const int Error = 1;

    /// <summary>Bad command line: unknown command or flag, missing argument, bad value.</summary>
    public const int Usage = 2;

    /// <summary>The API server or a ChunkGate admission webhook refused the request.</summary>
    public const int Refused = 3;

    /// <summary>The job, its recording or another named object does not exist.</summary>
    public const int NotFound = 4;

    /// <summary><c>--wait</c>: the run ended without success (failed, expired, revoked) or the wait timed out.</summary>
    public const int RunNotSucceeded = 5;

    public const string Documentation = """
        Exit codes:
          0  success
          1  the cluster could not be reached, answered unexpectedly, or the kubeconfig is unusable
          2  bad command line (unknown command or flag, missing argument, bad value)
          3  refused by the API server or a ChunkGate admission webhook (its sentence is printed as is)
          4  not found (job, run, recording)
          5  --wait: the run ended without success (failed, expired, revoked) or the wait timed out
        """;
}

/// <summary>A command ends with this exit code and one line for stderr; thrown, caught once in Program.</summary>
internal sealed class CommandFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CommandFailure Usage(string message) => new(ExitCodes.Usage, message);

    public static CommandFailure NotFound(string message) => new(ExitCodes.NotFound, message);
}
