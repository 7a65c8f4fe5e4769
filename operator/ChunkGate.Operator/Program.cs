namespace ChunkGate.Operator;

/// <summary>The operator process: controller (leader-elected) and admission webhooks. Being built (issues 12 and 13).</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ChunkGate.Operator: the operator process is not built yet (issues 12 and 13)");
        return 2;
    }
}
