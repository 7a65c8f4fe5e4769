using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using ChunkGate.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Sessions;

/// <summary>
/// Issue 11, hole 11: parallel large masked results are bounded by one process-wide budget; the
/// sessions beyond it end with 53200, the process and the other sessions go on.
/// </summary>
/// <remarks>
/// A client that does not read keeps the sidecar's flush of its row pending, so its session holds
/// the row's budget for as long as the test needs: no timing, no sleeping.
/// </remarks>
[Category("PostgreSQL")]
internal sealed class BufferBudgetSessionTests
{
    private const int ValueBytes = 16 * 1024 * 1024;

    // A masked DataRow costs about twice its size (pipe and rewrite): room for two, not three.
    private const long Budget = 5L * ValueBytes;

    private static readonly string LargeQuery = $"SELECT repeat('x', {ValueBytes})";
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("budget", ProxyTestData.Setup);
        var masking = JsonDocument.Parse("""{ "detectors": ["ssn", "card", "email"] }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking) with { MaxBufferedBytes = Budget, BufferWait = TimeSpan.Zero };
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    private BufferBudget Buffers => harness.Context!.Buffers;

    [Test]
    public async Task LargeMaskedRows_BeyondTheBudget_End53200_WhileTheOthersAreServed_AndEverythingIsReturned()
    {
        var holders = new List<RawProtocolClient>();
        try
        {
            for (var count = 1; count <= 2; count++)
            {
                holders.Add(await SendLargeQueryAsync());
                await Eventually.TrueAsync(() => Buffers.Held >= count * 2L * ValueBytes, $"{count} session(s) hold their row's budget");
            }

            var held = Buffers.Held;
            for (var refused = 0; refused < 2; refused++)
            {
                await using var client = await SendLargeQueryAsync();
                var messages = await client.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

                var error = messages.Should().ContainSingle(m => m.Code == 'E').Subject;
                error.Field('S').Should().Be("FATAL");
                error.Field('C').Should().Be("53200");
                error.Field('M').Should().Contain("limits.maxBufferedBytes");
                messages.Should().NotContain(m => m.Code == 'D', "no row was sent half masked");
            }

            Buffers.Held.Should().Be(held, "a refused session holds nothing");
            await using (var small = await harness.OpenSidecarAsync())
            {
                await using var command = new NpgsqlCommand("SELECT 41 + 1", small);
                (await command.ExecuteScalarAsync()).Should().Be(42);
            }

            foreach (var holder in holders)
            {
                var answer = await holder.ReadUntilAsync('Z').WaitAsync(TimeSpan.FromSeconds(60));
                answer.Should().ContainSingle(m => m.Code == 'D').Which.Body.Length.Should().Be(2 + 4 + ValueBytes);
            }
        }
        finally
        {
            foreach (var holder in holders)
            {
                await holder.DisposeAsync();
            }
        }

        await Eventually.TrueAsync(() => Buffers.Held == 0, "every reservation is returned");
        await using var connection = await harness.OpenSidecarAsync();
        await using var full = new NpgsqlCommand(LargeQuery, connection);
        ((string)(await full.ExecuteScalarAsync())!).Length.Should().Be(ValueBytes, "a new session of full size is served");
    }

    [Test]
    public async Task ClientLeavingMidRow_ReturnsItsBudget()
    {
        await using (await SendLargeQueryAsync())
        {
            await Eventually.TrueAsync(() => Buffers.Held >= 2L * ValueBytes, "the session holds its row's budget");
        }

        await Eventually.TrueAsync(() => Buffers.Held == 0, "the budget of a session that ended mid-row is returned");
    }

    private async Task<RawProtocolClient> SendLargeQueryAsync()
    {
        var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(LargeQuery));
        return client;
    }
}
