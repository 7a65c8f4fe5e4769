namespace ChunkGate.Sidecar;

/// <summary><c>replay FILE</c>: prints a session recording as a readable timeline.</summary>
internal static class ReplayCommand
{
    public static int Run(string path, TextWriter output, TextWriter error)
    {
        if (!File.Exists(path))
        {
            error.WriteLine($"no recording at {path}");
            return 2;
        }

        error.WriteLine("replay is not available yet");
        return 2;
    }
}
