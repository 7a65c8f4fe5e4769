namespace ChunkGate.Sidecar;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ChunkGate.Sidecar: not built yet.");
        return 2;
    }
}
