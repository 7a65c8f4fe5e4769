using ChunkGate.LocalCluster.Http;

namespace ChunkGate.LocalCluster.Tests.Http;

public sealed class HumanDurationTests
{
    [TestCase(0, "0s")]
    [TestCase(119, "119s")]
    [TestCase(125, "2m5s")]
    [TestCase(600, "10m")]
    [TestCase(3 * 3600 + 60, "3h1m")]
    [TestCase(30 * 3600, "30h")]
    [TestCase(3 * 86400 + 3600, "3d1h")]
    [TestCase(20 * 86400, "20d")]
    public void Format_MatchesKubectlsAgeColumn(int seconds, string expected) =>
        HumanDuration.Format(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
}
