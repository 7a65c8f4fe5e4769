using ChunkGate.Sidecar.Upstream;

namespace ChunkGate.Sidecar.Tests.Upstream;

internal sealed class UpstreamCredentialTests
{
    [Test]
    public void ToString_NeverPrintsThePassword()
    {
        var credential = new UpstreamCredential("cg_run_42", "s3cret-P4ss");
        credential.ToString().Should().Be("UpstreamCredential { Username = cg_run_42, Password = *** }");
        $"{credential}".Should().NotContain("s3cret-P4ss");
    }
}
