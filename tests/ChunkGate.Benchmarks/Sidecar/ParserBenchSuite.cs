namespace ChunkGate.Benchmarks.Sidecar;

/// <summary><c>make bench BENCH=parser</c>: the sidecar's statement judgment alone, without a database.</summary>
internal sealed class ParserBenchSuite : IBenchSuite
{
    public string Name => "parser";

    public Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ParserCost.Measure(report, Name);
        return Task.CompletedTask;
    }
}
