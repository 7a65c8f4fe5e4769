using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static ChunkGate.Sidecar.Tests.Support.ExtendedMessages;

namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>The recording's session.end: the real bytes each way and why the session ended.</summary>
[Category("PostgreSQL")]
internal sealed class SessionEndRecordingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private SidecarHarness harness = null!;
    private string directory = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("sessend", ProxyTestData.Setup);
        directory = Directory.CreateTempSubdirectory("chunkgate-session-end-test-").FullName;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await harness.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<string> StartRecordingAsync(TimeProvider? time = null, DateTimeOffset? expiresAt = null)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".jsonl");
        var options = harness.Options(SessionAction.Read, expiresAt: expiresAt, recordingPath: path);
        await harness.StartAsync(options, time, features: SessionFeatureFactory.Create(options, time ?? TimeProvider.System, NullLogger.Instance));
        return path;
    }

    private static async Task<JsonElement> SessionEndAsync(string path) =>
        RecordingFile.SessionEnd(await StatementRecordingTests.WaitForSessionEndAsync(path));

    [Test]
    public async Task Terminate_RecordsClientTerminated_WithTheExactBytesEachWay()
    {
        var path = await StartRecordingAsync();
        var query = RawProtocolClient.Query("SELECT id, name FROM customers WHERE id <= 50");
        var terminate = RawProtocolClient.Message('X', []);
        int received;
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync(query);
            (await client.ReadUntilAsync('Z')).Count(m => m.Code == 'D').Should().Be(50);
            await client.SendAsync(terminate);
            await client.ReadToEndAsync();
            received = client.Received.Count;
        }

        var end = await SessionEndAsync(path);
        end.GetProperty("reason").GetString().Should().Be("client terminated");
        end.GetProperty("bytesToClient").GetInt64().Should().Be(received, "every byte the client received, startup answers included");
        end.GetProperty("bytesToServer").GetInt64().Should().Be(query.Length + terminate.Length, "the session's protocol bytes, after startup");
    }

    [Test]
    public async Task ClosedSocket_RecordsClientDisconnected()
    {
        var path = await StartRecordingAsync();
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync(RawProtocolClient.Query("SELECT 1"));
            await client.ReadUntilAsync('Z');
        }

        var end = await SessionEndAsync(path);
        end.GetProperty("reason").GetString().Should().Be("client disconnected");
        end.GetProperty("bytesToClient").GetInt64().Should().BeGreaterThan(0);
    }

    [Test]
    public async Task BackendTerminated_RecordsServerClosed()
    {
        var path = await StartRecordingAsync();
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await using (var admin = await harness.OpenAdminAsync())
            await using (var command = new NpgsqlCommand($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{harness.Role}' AND application_name NOT LIKE '%catalog%'", admin))
            {
                await command.ExecuteNonQueryAsync();
            }

            await client.ReadToEndAsync();
        }

        (await SessionEndAsync(path)).GetProperty("reason").GetString().Should().Be("server closed");
    }

    [Test]
    public async Task MalformedBind_RecordsAProtocolViolation_AndTheError()
    {
        var path = await StartRecordingAsync();
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([.. RawProtocolClient.Message('B', [0, 0, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(-5), 0, 0]), .. Sync()]);
            await client.ReadToEndAsync();
        }

        var lines = await StatementRecordingTests.WaitForSessionEndAsync(path);
        RecordingFile.SessionEnd(lines).GetProperty("reason").GetString().Should().Be("protocol violation by the client");
        lines.Should().Contain(l => l.GetProperty("event").GetString() == "error" && l.GetProperty("code").GetString() == "08P01"
            && l.GetProperty("message").GetString()!.Contains("malformed Bind", StringComparison.Ordinal));
    }

    [Test]
    public async Task Expiry_RecordsApprovalExpired_AndTheStatementCutShort()
    {
        var clock = new ManualTimeProvider(Start);
        var path = await StartRecordingAsync(clock, Start.AddMinutes(5));
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync(RawProtocolClient.Query("SELECT pg_sleep(30)"));

            // The statement is recorded (so the deadline timer is armed too) before the clock moves.
            await RecordingFile.WaitForEventAsync(path, "statement");
            clock.Advance(TimeSpan.FromMinutes(5));
            await client.ReadToEndAsync();
        }

        var lines = await StatementRecordingTests.WaitForSessionEndAsync(path);
        RecordingFile.SessionEnd(lines).GetProperty("reason").GetString().Should().Be("approval expired" + ChunkGate.Sidecar.Sessions.ProxySession.UpstreamTerminated);
        RecordingFile.Statements(lines).Should().ContainSingle().Which.Ending.Should().Be("unanswered", "it was running when its backend was terminated: the recording does not claim to know whether it ran");
    }

    [TestCase(true, PumpOutcome.Closed, false, true, false, "client terminated")]
    [TestCase(true, PumpOutcome.Closed, false, false, false, "client disconnected")]
    [TestCase(false, PumpOutcome.Closed, false, false, false, "server closed")]
    [TestCase(true, PumpOutcome.ProtocolViolation, false, false, false, "protocol violation by the client")]
    [TestCase(false, PumpOutcome.ProtocolViolation, false, false, false, "protocol violation by the server")]
    [TestCase(false, PumpOutcome.MessageTooLarge, false, false, false, "message too large from the server")]
    [TestCase(true, PumpOutcome.Stopped, true, false, false, "approval expired")]
    [TestCase(false, PumpOutcome.Expired, false, false, false, "approval expired")]
    [TestCase(true, PumpOutcome.Stopped, false, false, true, "sidecar stopping")]
    [TestCase(true, PumpOutcome.Stopped, false, false, false, "server closed")]
    [TestCase(false, PumpOutcome.Stopped, false, false, false, "client disconnected")]
    public void EndReason_NamesWhoEndedTheSession(bool clientSideFirst, PumpOutcome outcome, bool expired, bool terminated, bool stopping, string reason) =>
        ProxySession.EndReason(clientSideFirst, outcome, expired, terminated, stopping).Should().Be(reason);
}
