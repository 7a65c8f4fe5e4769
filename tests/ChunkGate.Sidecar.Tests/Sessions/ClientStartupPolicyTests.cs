using System.Buffers;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Sessions;

internal sealed class ClientStartupPolicyTests
{
    private static readonly UpstreamOptions Upstream = new("db", 5432, "shop", UpstreamSslMode.Disable, null, false, false);

    private static StartupPacket Packet(params (string, string)[] parameters)
    {
        StartupPacket.TryRead(new ReadOnlySequence<byte>(RawProtocolClient.StartupPacket(parameters)), out var packet, out _, out _);
        return packet!;
    }

    [Test]
    public void Decide_IgnoresTheClientsUser_AndMakesReadSessionsReadOnly()
    {
        var decision = ClientStartupPolicy.Decide(Packet(("user", "root"), ("database", "shop"), ("application_name", "job")), Upstream, SessionAction.Read);
        decision.Error.Should().BeNull();
        decision.UpstreamParameters.Select(p => $"{p.Key}={p.Value}").Should().Equal(
            "application_name=job", "client_encoding=UTF8", "standard_conforming_strings=on", "default_transaction_read_only=on");
    }

    [Test]
    public void Decide_AddsNoReadOnlyForWriteSessions() =>
        ClientStartupPolicy.Decide(Packet(("user", "x")), Upstream, SessionAction.Write).UpstreamParameters.Select(p => $"{p.Key}={p.Value}")
            .Should().Equal("client_encoding=UTF8", "standard_conforming_strings=on");

    // The sidecar's parser reads UTF8; a server reading SJIS, GBK or LATIN1 would see other statements (issue 11, hole 7).
    [TestCase("SJIS", false)]
    [TestCase("gbk", false)]
    [TestCase("LATIN1", false)]
    [TestCase("SQL_ASCII", false)]
    [TestCase("UTF8", true)]
    [TestCase("utf-8", true)]
    [TestCase("Unicode", true)]
    public void Decide_AcceptsOnlyUtf8ClientEncodings(string encoding, bool accepted)
    {
        var decision = ClientStartupPolicy.Decide(Packet(("user", "x"), ("client_encoding", encoding)), Upstream, SessionAction.Write);

        (decision.Error is null).Should().Be(accepted);
        if (accepted)
        {
            decision.UpstreamParameters.Should().ContainSingle(p => p.Key == "client_encoding").Which.Value.Should().Be("UTF8");
        }
        else
        {
            decision.ErrorSqlState.Should().Be("22023");
        }
    }

    [TestCase("database", "postgres", "3D000")]
    [TestCase("options", "-c role=admin", "42501")]
    [TestCase("replication", "database", "42501")]
    [TestCase("search_path", "evil", "42501")]
    [TestCase("default_transaction_read_only", "off", "42501")]
    public void Decide_RefusesWhatTheApprovalDecides(string name, string value, string sqlState)
    {
        var decision = ClientStartupPolicy.Decide(Packet(("user", "x"), (name, value)), Upstream, SessionAction.Read);
        decision.Error.Should().NotBeNull();
        decision.ErrorSqlState.Should().Be(sqlState);
    }

    [Test]
    public void Decide_NegotiatesAwayProtocolExtensions()
    {
        var decision = ClientStartupPolicy.Decide(Packet(("user", "x"), ("_pq_.compression", "on")), Upstream, SessionAction.Read);
        decision.Error.Should().BeNull();
        decision.NegotiateMinorVersion.Should().BeTrue();
        decision.UnsupportedProtocolOptions.Should().Equal("_pq_.compression");
    }
}
