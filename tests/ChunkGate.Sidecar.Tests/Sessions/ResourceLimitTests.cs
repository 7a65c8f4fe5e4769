using System.Net.Sockets;
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
/// Issue 11, hole 11: half-open clients, too many clients and a catalog connection per client
/// must not exhaust the sidecar or the database.
/// </summary>
[Category("PostgreSQL")]
internal sealed class ResourceLimitTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task CreateAsync() => harness = await SidecarHarness.CreateAsync("limits", ProxyTestData.Setup);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase(new byte[0], TestName = "HalfOpenClient_SendingNothing_IsClosedAtTheStartupTimeout")]
    [TestCase(new byte[] { 0, 0, 0, 40, 0, 3 }, TestName = "HalfOpenClient_SendingHalfAStartupPacket_IsClosedAtTheStartupTimeout")]
    public async Task HalfOpenClient_IsClosedAtTheStartupTimeout(byte[] partial)
    {
        var clock = new ManualTimeProvider(Start);
        await harness.StartAsync(harness.Options(SessionAction.Read, expiresAt: Start.AddHours(1)) with { StartupTimeout = TimeSpan.FromSeconds(10) }, clock);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        if (partial.Length > 0)
        {
            await client.SendAsync(partial);
        }

        await clock.WaitForTimersAsync();
        clock.Advance(TimeSpan.FromSeconds(11));

        var messages = await client.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(15));
        messages.Should().ContainSingle().Which.Field('C').Should().Be("08P01");
    }

    [Test]
    public async Task Clients_BeyondTheLimit_AreRefusedWith53300_AndServedAgainOnceOneLeaves()
    {
        await harness.StartAsync(harness.Options(SessionAction.Read) with { MaxClientConnections = 3 });
        var open = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await harness.OpenSidecarAsync());
            }

            var act = async () => await harness.OpenSidecarAsync();
            (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("53300");

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Eventually.TrueAsync(
                async () =>
                {
                    try
                    {
                        open.Add(await harness.OpenSidecarAsync());
                        return true;
                    }
                    catch (PostgresException exception) when (exception.SqlState == "53300")
                    {
                        return false;
                    }
                },
                "a slot is free again once a client left");
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task ManyMaskedClients_ShareOneCatalogConnection()
    {
        var masking = JsonDocument.Parse("""{ "columns": [ { "column": "public.customers.name", "strategy": "redact" } ] }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
        var open = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                open.Add(await harness.OpenSidecarAsync());
            }

            await using var admin = await harness.OpenAdminAsync();
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{harness.Role}'", admin);
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(12 + 1, "one backend per client and one shared catalog connection (it was one catalog connection per client)");
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
