using System.Reflection;

namespace ChunkGate.Benchmarks;

/// <summary><c>make bench [BENCH=name,...]</c>: runs every suite, or the named ones.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var suites = typeof(Program).Assembly.GetTypes()
            .Where(type => typeof(IBenchSuite).IsAssignableFrom(type) && type is { IsInterface: false, IsAbstract: false })
            .Select(type => (IBenchSuite)Activator.CreateInstance(type, nonPublic: true)!)
            .OrderBy(suite => suite.Name, StringComparer.Ordinal)
            .ToList();
        var wanted = args.SelectMany(arg => arg.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        var unknown = wanted.Except(suites.Select(suite => suite.Name)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"unknown suite(s): {string.Join(", ", unknown)}; known: {string.Join(", ", suites.Select(s => s.Name))}");
            return 2;
        }

        var report = new BenchReport(Console.Out);
        if (suites.Count == 0)
        {
            report.Note("no benchmark suites are built yet");
        }

        foreach (var suite in suites.Where(suite => wanted.Count == 0 || wanted.Contains(suite.Name)))
        {
            report.Note($"suite {suite.Name}");
            await suite.RunAsync(report, CancellationToken.None);
        }

        return 0;
    }
}
