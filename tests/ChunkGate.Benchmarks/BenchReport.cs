using System.Globalization;

namespace ChunkGate.Benchmarks;

/// <summary>
/// Prints each figure as one machine-readable line, <c>BENCH &lt;name&gt; &lt;value&gt;</c>, so runs
/// can be compared by tools; ratios are plain numbers against a baseline measured in the same run.
/// </summary>
internal sealed class BenchReport(TextWriter output)
{
    private readonly List<(string Name, double Value)> figures = [];

    public IReadOnlyList<(string Name, double Value)> Figures => figures;

    public void Figure(string name, double value)
    {
        figures.Add((name, value));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BENCH {name} {value:0.####}"));
        output.Flush();
    }

    public void Note(string text)
    {
        output.WriteLine("# " + text);
        output.Flush();
    }
}
