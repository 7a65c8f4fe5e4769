using System.Text;
using System.Buffers;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Upstream;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Robustness;

/// <summary>Malformed, truncated and oversized messages end that connection with a clear error; the sidecar keeps serving.</summary>
[Category("PostgreSQL")]
internal sealed class MalformedInputTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("fuzz", ProxyTestData.Setup);
        await harness.StartAsync(harness.Options(SessionAction.Read) with { MaxInspectedMessageBytes = 1024 * 1024 });
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TearDown]
    public async Task SidecarStillServesAsync()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT 41 + 1", connection);
        (await command.ExecuteScalarAsync()).Should().Be(42);
    }

    [Test]
    public async Task ImpossibleLength_FromTheClient_EndsTheSessionWithProtocolViolation()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync([(byte)'Q', 0, 0, 0, 2]);
        var error = (await client.ReadToEndAsync()).Should().ContainSingle().Subject;
        error.Field('C').Should().Be("08P01");
        error.Field('M').Should().Be("malformed message from the client");
    }

    [Test]
    public async Task OversizedStatement_IsRefusedBeforeItIsBuffered()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        // Announces a 1 GB query and sends only the header: nothing is buffered waiting for it.
        await client.SendAsync([(byte)'Q', 0x3f, 0xff, 0xff, 0xff]);
        var error = (await client.ReadToEndAsync()).Should().ContainSingle().Subject;
        error.Field('C').Should().Be("54000");
        error.Field('M').Should().Contain("exceeds the sidecar's limit");
    }

    [Test]
    public async Task UnterminatedQueryText_IsAProtocolViolation()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Message('Q', "SELECT 1"u8.ToArray()));
        (await client.ReadToEndAsync()).Should().ContainSingle().Which.Field('C').Should().Be("08P01");
    }

    [TestCase(new byte[] { 0, 0, 0, 3 }, TestName = "StartupLength_TooShort")]
    [TestCase(new byte[] { 0x7f, 0, 0, 0, 0, 3, 0, 0 }, TestName = "StartupLength_TooLong")]
    [TestCase(new byte[] { 0, 0, 0, 8, 0, 2, 0, 0 }, TestName = "StartupProtocol_Version2")]
    [TestCase(new byte[] { 0, 0, 0, 12, 0, 3, 0, 0, (byte)'u', (byte)'s', (byte)'e', (byte)'r' }, TestName = "StartupParameters_Unterminated")]
    public async Task BadStartupPackets_GetAFatalErrorOrAClose(byte[] packet)
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.SendAsync(packet);
        await client.SendAsync(new byte[16]);
        var messages = await client.ReadToEndAsync();
        messages.Should().OnlyContain(m => m.Code == 'E' && m.Field('S') == "FATAL");
    }

    [Test]
    public async Task TruncatedMessage_ThenDisconnect_LeavesNothingBehind()
    {
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([(byte)'Q', 0, 0, 0, 100, (byte)'S', (byte)'E']);
        }

        await using var admin = await harness.OpenAdminAsync();
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
        for (var attempt = 0; attempt < 50 && (long)(await count.ExecuteScalarAsync())! > 0; attempt++)
        {
            await Task.Delay(100);
        }

        (await count.ExecuteScalarAsync()).Should().Be(0L, "the upstream session ends with the client's");
    }

    [Test]
    public async Task RandomBytes_AfterStartup_NeverCrashOrHang()
    {
        var random = new Random(20261123);
        for (var round = 0; round < 40; round++)
        {
            await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
            await client.StartAsync(harness.Database);
            var garbage = new byte[random.Next(1, 400)];
            random.NextBytes(garbage);
            await client.SendAsync(garbage);
            await client.SendAsync(RawProtocolClient.Message('X', []));
            var messages = await client.ReadToEndAsync();
            messages.Where(m => m.Code == 'E' && m.Field('S') == "FATAL").Should().HaveCountLessThanOrEqualTo(1);
        }
    }

    [TestCase(new byte[] { (byte)'D', 0, 0, 0, 1 }, "08P01", TestName = "ServerLength_Impossible")]
    [TestCase(new byte[] { (byte)'E', 0x3f, 0xff, 0xff, 0xff }, "54000", TestName = "ServerError_Oversized")]
    public async Task MalformedServerMessages_EndTheSessionWithAClearError(byte[] answer, string sqlState)
    {
        await using var upstream = new FakeUpstreamServer(answer, harness.Password);
        var options = harness.Options(SessionAction.Read) with { MaxInspectedMessageBytes = 1024 * 1024 };
        options = options with { Upstream = options.Upstream with { Port = upstream.Port } };
        await using var fakeHarnessServer = new SidecarServer(new SidecarContext(options, TimeProvider.System, NullLogger.Instance, new RecordingOnly()));
        fakeHarnessServer.Start();
        await using var client = await RawProtocolClient.ConnectAsync(fakeHarnessServer.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("SELECT 1"));
        var error = (await client.ReadToEndAsync()).Should().ContainSingle().Subject;
        error.Field('C').Should().Be(sqlState);
        error.Field('M').Should().Contain("from the database");
    }

    /// <summary>
    /// A row that does not match its RowDescription cannot be masked: it must never reach the client
    /// as it is, whether it comes alone or after rows masked in the same read (the contiguous-rows
    /// fast path), and the session ends with a clear error.
    /// </summary>
    [TestCase(0, TestName = "MismatchedRow_Alone_FailsClosed")]
    [TestCase(50, TestName = "MismatchedRow_AfterMaskedRowsInOneRead_FailsClosed")]
    public async Task MismatchedRow_IsNeverForwarded(int goodRowsBefore)
    {
        const string Raw = "123-45-6789";
        // One text column "v" from no table: the detectors scan it, so every row is rewritten.
        byte[] rowDescription = [0, 1, (byte)'v', 0, .. RawProtocolClient.BigEndian(0), 0, 0, .. RawProtocolClient.BigEndian(25), 0xff, 0xff, .. RawProtocolClient.BigEndian(-1), 0, 0];
        byte[] value = [.. RawProtocolClient.BigEndian(Raw.Length), .. Encoding.ASCII.GetBytes(Raw)];
        var answer = new List<byte>(RawProtocolClient.Message('T', rowDescription));
        for (var row = 0; row < goodRowsBefore; row++)
        {
            answer.AddRange(RawProtocolClient.Message('D', [0, 1, .. value]));
        }

        answer.AddRange(RawProtocolClient.Message('D', [0, 2, .. RawProtocolClient.BigEndian(1), (byte)'x', .. value]));
        await using var upstream = new FakeUpstreamServer([.. answer], harness.Password);
        var masking = System.Text.Json.JsonDocument.Parse("""{ "detectors": ["ssn"] }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking);
        options = options with { Upstream = options.Upstream with { Port = upstream.Port } };
        await using var server = new SidecarServer(new SidecarContext(options, TimeProvider.System, NullLogger.Instance, SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance)));
        server.Start();
        await using var client = await RawProtocolClient.ConnectAsync(server.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("SELECT v FROM t"));

        var messages = await client.ReadToEndAsync();

        messages.Count(m => m.Code == 'D').Should().Be(goodRowsBefore);
        messages.Should().NotContain(m => m.Text.Contains(Raw, StringComparison.Ordinal));
        var error = messages.Last();
        error.Code.Should().Be('E');
        error.Field('C').Should().Be("08P01");
        error.Field('M').Should().Contain("could not be masked");
    }

    /// <summary>Makes the server side inspect error messages, as it does whenever masking or recording is on.</summary>
    private sealed class RecordingOnly : ISessionFeatureFactory
    {
        public Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken) =>
            Task.FromResult(new SessionFeatures(Results: new NullResults()));
    }

    private sealed class NullResults : IResultObserver
    {
        public void RowDescribed(in ReadOnlySequence<byte> rowDescription)
        {
        }

        public void CommandCompleted(in ReadOnlySequence<byte> commandComplete, long rows, long bytes, long maskedValues)
        {
        }

        public void ErrorReturned(in ReadOnlySequence<byte> maskedError)
        {
        }
    }
}
