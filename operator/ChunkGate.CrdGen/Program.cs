namespace ChunkGate.CrdGen;

internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ChunkGate.CrdGen: not built yet.");
        return 2;
    }
}
