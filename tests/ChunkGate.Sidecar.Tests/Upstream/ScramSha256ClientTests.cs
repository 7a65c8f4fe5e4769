using System.Text;
using ChunkGate.Sidecar.Upstream;

namespace ChunkGate.Sidecar.Tests.Upstream;

internal sealed class ScramSha256ClientTests
{
    // RFC 7677 section 3 example exchange.
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    [Test]
    public void Exchange_MatchesTheRfc7677Example()
    {
        var client = new ScramSha256Client("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
        Encoding.UTF8.GetString(client.ClientFirstMessage()).Should().Be("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        var (final, error) = client.ClientFinalMessage(Encoding.UTF8.GetBytes(ServerFirst));
        error.Should().BeNull();
        Encoding.UTF8.GetString(final!).Should().Be("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        client.VerifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="u8).Should().BeTrue();
    }

    [Test]
    public void VerifyServerFinal_RejectsAServerThatDoesNotKnowThePassword()
    {
        var client = new ScramSha256Client("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
        client.ClientFinalMessage(Encoding.UTF8.GetBytes(ServerFirst));
        client.VerifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="u8).Should().BeFalse();
    }

    [TestCase("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", TestName = "ServerNonce_MustExtendTheClients")]
    [TestCase("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", TestName = "ServerNonce_MustAddSomething")]
    [TestCase("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", TestName = "Iterations_MustBePositive")]
    [TestCase("r=rOprNGfwEbeRWgbNEkqOxyz,s=***,i=4096", TestName = "Salt_MustBeBase64")]
    public void ClientFinalMessage_RejectsMalformedChallenges(string serverFirst)
    {
        var client = new ScramSha256Client("pencil", "rOprNGfwEbeRWgbNEkqO");
        var (final, error) = client.ClientFinalMessage(Encoding.UTF8.GetBytes(serverFirst));
        final.Should().BeNull();
        error.Should().NotBeNullOrEmpty();
    }

    [Test]
    public void Credential_NeverPrintsThePassword() =>
        new UpstreamCredential("role", "s3cret").ToString().Should().NotContain("s3cret");
}
