namespace ChunkGate.Benchmarks;

/// <summary>
/// One group of measurements run by <c>make bench</c>. Suites are discovered by reflection, so a
/// component adds its benchmarks by adding a class, without touching the host.
/// </summary>
internal interface IBenchSuite
{
    /// <summary>Short lowercase name, also the prefix of every figure it reports (e.g. <c>informer</c>).</summary>
    string Name { get; }

    Task RunAsync(BenchReport report, CancellationToken cancellationToken);
}
