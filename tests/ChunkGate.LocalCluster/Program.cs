namespace ChunkGate.LocalCluster;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ChunkGate.LocalCluster: not built yet.");
        return 2;
    }
}
