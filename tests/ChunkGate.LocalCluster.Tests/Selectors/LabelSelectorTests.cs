using ChunkGate.LocalCluster.Selectors;

namespace ChunkGate.LocalCluster.Tests.Selectors;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "gold" };

    [TestCase("", true)]
    [TestCase("app=web", true)]
    [TestCase("app==web", true)]
    [TestCase("app!=web", false)]
    [TestCase("app in (db,web)", true)]
    [TestCase("app notin (db,web)", false)]
    [TestCase("tier", true)]
    [TestCase("!tier", false)]
    [TestCase("missing!=x", true)]
    [TestCase("app=web,tier in (silver)", false)]
    public void Matches_FollowsTheQuerySyntax(string selector, bool expected) =>
        LabelSelector.Parse(selector).Matches(Labels).Should().Be(expected);

    [Test]
    public void Parse_RejectsGarbageWithABadRequest()
    {
        var parse = () => LabelSelector.Parse("app in web");

        parse.Should().Throw<Api.ApiError>().Which.Code.Should().Be(400);
    }
}
