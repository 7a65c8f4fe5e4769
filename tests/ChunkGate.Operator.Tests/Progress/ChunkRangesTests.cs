using ChunkGate.Operator.Progress;

namespace ChunkGate.Operator.Tests.Progress;

public sealed class ChunkRangesTests
{
    [TestCase("", 0)]
    [TestCase("0-16,18,20-39", 38)]
    [TestCase("5", 1)]
    public void TryParse_ReadsCompressedRanges(string text, long count)
    {
        ChunkRanges.TryParse(text, 1000, out var ranges).Should().BeTrue();
        ranges.Count.Should().Be(count);
        ranges.Format(1000).Should().Be(text);
    }

    [TestCase("3-1")]
    [TestCase("1,1")]
    [TestCase("4,2")]
    [TestCase("0-5,3-9")]
    [TestCase("-1")]
    [TestCase("1-")]
    [TestCase("1,,2")]
    [TestCase(" 1")]
    [TestCase("01")]
    [TestCase("1e3")]
    [TestCase("99999999999999999999")]
    [TestCase("0x10")]
    public void TryParse_RefusesWhatItDidNotWrite_AndGivesNothingDone(string text)
    {
        ChunkRanges.TryParse(text, 1000, out var ranges).Should().BeFalse();
        ranges.Count.Should().Be(0);
    }

    [Test]
    public void TryParse_RefusesOversizedText()
    {
        ChunkRanges.TryParse(string.Join(',', Enumerable.Range(0, 500).Select(i => (i * 2).ToString())), 100, out var ranges).Should().BeFalse();
        ranges.Count.Should().Be(0);
    }

    [Test]
    public void With_MergesTouchingAndOverlappingIndices()
    {
        ChunkRanges.TryParse("0-3,10", 100, out var ranges).Should().BeTrue();

        var merged = ranges.With([4, 5, 9, 11, 20, 3, -1]);

        merged.Format(100).Should().Be("0-5,9-11,20");
        merged.Contains(10).Should().BeTrue();
        merged.Contains(6).Should().BeFalse();
        merged.Contains(-1).Should().BeFalse("a negative index is never a chunk");
        merged.CountBelow(10).Should().Be(7);
    }

    [Test]
    public void Format_CutsAtARangeBoundary_SoWhatIsLeftOutIsRedone()
    {
        var ranges = ChunkRanges.Empty.With(Enumerable.Range(0, 100).Select(i => (long)i * 2));

        var text = ranges.Format(20);

        text.Length.Should().BeLessOrEqualTo(20);
        ChunkRanges.TryParse(text, 20, out var back).Should().BeTrue();
        back.Ranges.Should().OnlyContain(r => ranges.Contains(r.First) && ranges.Contains(r.Last), "only chunks that were done");
        back.Count.Should().BeLessThan(ranges.Count);
    }
}
