using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Integration;

/// <summary>What drivers rarely do, byte by byte.</summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class RawProtocolTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("raw", ProxyTestData.Setup, build);
        await harness.StartAsync(harness.Options(SessionAction.Read));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase(80877103, TestName = "SslRequest_IsAnsweredN_ThenPlainStartupWorks")]
    [TestCase(80877104, TestName = "GssEncRequest_IsAnsweredN_ThenPlainStartupWorks")]
    public async Task EncryptionRequest_IsAnsweredN_ThenPlainStartupWorks(int requestCode)
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.SendAsync([.. RawProtocolClient.BigEndian(8), .. RawProtocolClient.BigEndian(requestCode)]);
        (await client.ReadByteAsync()).Should().Be('N');
        var startup = await client.StartAsync(harness.Database);
        startup.Select(m => m.Code).Should().StartWith(['R']).And.EndWith(['K', 'Z']);
        startup.Should().Contain(m => m.Code == 'S' && m.Text.StartsWith("server_version"));
    }

    [Test]
    public async Task SimpleQuery_WithSeveralStatements_ReturnsEachResultThenOneReadyForQuery()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("SELECT 1; SELECT 'two';"));
        (await client.ReadUntilAsync('Z')).Select(m => m.Code).Should().Equal('T', 'D', 'C', 'T', 'D', 'C', 'Z');
        await client.SendAsync(RawProtocolClient.Query(" ; "));
        (await client.ReadUntilAsync('Z')).Select(m => m.Code).Should().Equal('I', 'Z');
    }

    [Test]
    public async Task ExtendedProtocol_NamedStatementsAndPortals_WithRowLimits()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        byte[] Cstr(string text) => [.. Encoding.UTF8.GetBytes(text), 0];
        await client.SendAsync([
            .. RawProtocolClient.Message('P', [.. Cstr("s1"), .. Cstr("SELECT id FROM customers ORDER BY id"), 0, 0]),
            .. RawProtocolClient.Message('B', [.. Cstr("p1"), .. Cstr("s1"), 0, 0, 0, 0, 0, 0]),
            .. RawProtocolClient.Message('E', [.. Cstr("p1"), 0, 0, 0, 2]),
            .. RawProtocolClient.Message('E', [.. Cstr("p1"), 0, 0, 0, 1]),
            .. RawProtocolClient.Message('S', []),
        ]);
        var messages = await client.ReadUntilAsync('Z');
        messages.Select(m => m.Code).Should().Equal('1', '2', 'D', 'D', 's', 'D', 's', 'Z');
    }

    [Test]
    public async Task CancelRequest_WithAnUnknownKey_IsIgnoredLikePostgresDoes()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.SendAsync([.. RawProtocolClient.BigEndian(16), .. RawProtocolClient.BigEndian(80877102), .. RawProtocolClient.BigEndian(1), .. RawProtocolClient.BigEndian(2)]);
        (await client.ReadMessageAsync()).Should().BeNull();
    }

    [Test]
    public async Task BackendKeyData_IsTheSidecarsOwn_NotTheServers()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        var startup = await client.StartAsync(harness.Database);
        var key = startup.Single(m => m.Code == 'K');
        var advertisedPid = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(key.Body);
        await client.SendAsync(RawProtocolClient.Query("SELECT pg_backend_pid()"));
        var rows = await client.ReadUntilAsync('Z');
        var row = rows.Single(m => m.Code == 'D');
        var realPid = int.Parse(Encoding.ASCII.GetString(row.Body, 6, row.Body.Length - 6));
        advertisedPid.Should().NotBe(realPid);
    }

    [Test]
    public async Task Terminate_ClosesTheConnection()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Message('X', []));
        (await client.ReadMessageAsync()).Should().BeNull();
    }
}
