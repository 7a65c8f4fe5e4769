namespace ChunkGate.Kubectl.Output;

/// <summary>A cell: its text (what widths are measured on) and the tone it is painted in.</summary>
internal readonly record struct Cell(string Text, Tone Tone = Tone.Plain)
{
    public static implicit operator Cell(string? text) => new(string.IsNullOrEmpty(text) ? "<none>" : text);
}

/// <summary>
/// kubectl's table layout: upper-case headers, columns left-aligned and separated by three spaces,
/// the last column never padded, empty values as &lt;none&gt;. Widths are measured before colour is added.
/// </summary>
internal static class TextTable
{
    private const string Gap = "   ";

    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<Cell>> rows, Palette palette)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Text.Length))).ToArray();
        output.WriteLine(Line(headers.Select(h => new Cell(h.ToUpperInvariant())).ToList(), widths, Palette.None));
        foreach (var row in all)
        {
            output.WriteLine(Line(row, widths, palette));
        }
    }

    private static string Line(IReadOnlyList<Cell> cells, int[] widths, Palette palette)
    {
        var parts = cells.Select((cell, i) =>
        {
            var padding = i == cells.Count - 1 ? "" : new string(' ', widths[i] - cell.Text.Length);
            return palette.Paint(cell.Text, cell.Tone) + padding;
        });
        return string.Join(Gap, parts).TrimEnd();
    }
}
