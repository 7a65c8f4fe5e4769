using ChunkGate.Kubectl.Output;

namespace ChunkGate.Kubectl.Tests.Output;

public sealed class TextTableTests
{
    [Test]
    public void Write_AlignsColumnsLikeKubectl_ThreeSpacesApart_LastColumnUnpadded_EmptyAsNone()
    {
        var output = new StringWriter();
        TextTable.Write(output, ["name", "approvals", "designer"],
        [
            ["export-customers", "0/1", "alice"],
            ["x", new Cell("12/20", Tone.Good), ""],
        ], Palette.None);

        output.ToString().Should().Be(
            "NAME               APPROVALS   DESIGNER\n" +
            "export-customers   0/1         alice\n" +
            "x                  12/20       <none>\n");
    }

    [Test]
    public void Write_MeasuresWidthsWithoutColour_SoColouredTablesStayAligned()
    {
        var plain = new StringWriter();
        var coloured = new StringWriter();
        IReadOnlyList<Cell>[] rows = [[new Cell("Warning", Tone.Warn), "x"], ["Normal", "y"]];

        TextTable.Write(plain, ["type", "reason"], rows, Palette.None);
        TextTable.Write(coloured, ["type", "reason"], rows, new Palette(true));

        coloured.ToString().Should().Contain("\e[33mWarning\e[0m   x");
        coloured.ToString().Replace("\e[33m", "").Replace("\e[0m", "").Should().Be(plain.ToString());
    }

    [TestCase(true, null, null, true)]
    [TestCase(false, null, null, false)]
    [TestCase(true, "1", null, false)]
    [TestCase(true, "", null, true)]
    [TestCase(true, null, "dumb", false)]
    public void ShouldColour_OnlyOnATerminal_WithoutNoColour(bool terminal, string? noColour, string? term, bool expected) =>
        Palette.ShouldColour(terminal, name => name switch { "NO_COLOR" => noColour, "TERM" => term, _ => null }).Should().Be(expected);
}
