using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Sidecar.Tests.Upstream;

/// <summary>
/// Issue 11, hole 9: a database that does not prove it knows the password (skips SCRAM, stops
/// before the server-final message, asks for nothing) must not get the session, on a real socket.
/// </summary>
[Category("PostgreSQL")]
internal sealed class UpstreamAuthenticationTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("upauth", ProxyTestData.Setup);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase(FakeAuthentication.Trust, "without authenticating", TestName = "Upstream_AnsweringOkWithoutAskingForAPassword_IsRefused")]
    [TestCase(FakeAuthentication.OkAfterClientFirst, "without a verified server signature", TestName = "Upstream_AnsweringOkInTheMiddleOfScram_IsRefused")]
    [TestCase(FakeAuthentication.OkWithoutServerFinal, "without a verified server signature", TestName = "Upstream_SkippingTheScramServerFinal_IsRefused")]
    public async Task Upstream_ThatDoesNotProveItKnowsThePassword_GetsNoSession(FakeAuthentication authentication, string expected)
    {
        await using var upstream = new FakeUpstreamServer(RawProtocolClient.Message('Z', [(byte)'I']), harness.Password, authentication);
        await using var server = StartSidecarFacing(upstream);
        await using var client = await RawProtocolClient.ConnectAsync(server.EndPoint);

        await client.SendAsync(RawProtocolClient.StartupPacket(("user", "job"), ("database", harness.Database)));
        var answer = await client.ReadToEndAsync();

        answer.Should().NotContain(m => m.Code == 'Z', "the session must not open");
        var error = answer.Should().ContainSingle(m => m.Code == 'E').Subject;
        error.Field('C').Should().Be("28000");
        error.Field('M').Should().Contain(expected);
        upstream.QueryReceived.Should().BeFalse();
    }

    [Test]
    public async Task Upstream_CompletingScramWithAVerifiedSignature_GetsTheSession()
    {
        await using var upstream = new FakeUpstreamServer(RawProtocolClient.Message('Z', [(byte)'I']), harness.Password);
        await using var server = StartSidecarFacing(upstream);
        await using var client = await RawProtocolClient.ConnectAsync(server.EndPoint);

        var answer = await client.StartAsync(harness.Database);

        answer.Should().Contain(m => m.Code == 'Z').And.NotContain(m => m.Code == 'E');
    }

    private SidecarServer StartSidecarFacing(FakeUpstreamServer upstream)
    {
        var options = harness.Options(SessionAction.Read);
        options = options with { Upstream = options.Upstream with { Port = upstream.Port } };
        var server = new SidecarServer(new SidecarContext(options, TimeProvider.System, NullLogger.Instance));
        server.Start();
        return server;
    }
}
