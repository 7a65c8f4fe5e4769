using ChunkGate.Runner.Configuration;

namespace ChunkGate.Runner.Tests.Configuration;

public sealed class DoneChunksTests
{
    [Test]
    public void Parse_ReadsTheCheckpointsRanges_InAnyOrderAndOverlapping()
    {
        var (done, error) = DoneChunks.Parse("20-39, 0-16,18,15-17");

        error.Should().BeNull();
        Enumerable.Range(0, 45).Where(i => done!.Contains(i)).Should().Equal([.. Enumerable.Range(0, 19), .. Enumerable.Range(20, 20)]);
        done!.RangeCount.Should().Be(2, "0-16, 15-17 and 18 merge");
    }

    [TestCase("")]
    [TestCase(null)]
    public void Parse_OfNothing_IsNone(string? text) => DoneChunks.Parse(text).Chunks!.Contains(0).Should().BeFalse();

    [TestCase("a")]
    [TestCase("3-1")]
    [TestCase("-1")]
    [TestCase("1,,2")]
    [TestCase("1-")]
    [TestCase("99999999999999999999")]
    public void Parse_RefusesWhatIsNotARange(string text)
    {
        var (done, error) = DoneChunks.Parse(text);

        done.Should().BeNull();
        error.Should().Contain("is not a chunk index or range");
    }
}
