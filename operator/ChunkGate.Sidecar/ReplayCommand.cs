using ChunkGate.Recording;

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

        using var recording = File.OpenRead(path);
        Replay.Format(recording, output);
        return 0;
    }
}
