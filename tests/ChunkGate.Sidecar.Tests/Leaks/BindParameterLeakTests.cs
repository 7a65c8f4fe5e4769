using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Recording;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static ChunkGate.Sidecar.Tests.Support.ExtendedMessages;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>Bind parameter values never reach the recording or the spans: only their shapes do, even when the server quotes a value back in an error.</summary>
[Category("PostgreSQL")]
[NonParallelizable]
internal sealed class BindParameterLeakTests
{
    private const string Ssn = "321-54-9876";
    private const string Secret = "tangerine-otter-47-zebra";

    private SidecarHarness harness = null!;
    private string recordingPath = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("bindleak", ProxyTestData.Setup);
        recordingPath = Path.Combine(Path.GetDirectoryName(harness.UsernameFile)!, "recording.jsonl");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [Test]
    public async Task BoundValues_NeverAppearInTheRecordingOrSpans_OnlyTheirShapes()
    {
        using var spans = new SidecarSpans();

        var masking = JsonDocument.Parse("""{ "columns": [ { "column": "public.customers.name", "strategy": "redact" } ], "detectors": ["ssn"] }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking, recordingPath: recordingPath);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));

        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([
                .. Parse("pair", "SELECT $1::text = $2::text", 25, 25),
                .. Bind(string.Empty, "pair", [], Text(Ssn), Text(Secret)),
                .. Execute(),
                .. Sync(),
            ]);
            await client.ReadUntilAsync('Z');

            // The server quotes the rejected input back: "invalid input syntax for type integer: "…"".
            await client.SendAsync([.. Parse(string.Empty, "SELECT $1::int", 23), .. Bind(string.Empty, string.Empty, [], Text(Secret)), .. Execute(), .. Sync()]);
            var answer = await client.ReadUntilAsync('Z');
            answer.Should().Contain(m => m.Code == 'E' && m.Field('C') == "22P02");

            // A Bind that fails with no Execute after it is recorded as a session error.
            await client.SendAsync([.. Parse("int", "SELECT $1::int", 23), .. Bind(string.Empty, "int", [], Text(Secret + Ssn)), .. Sync()]);
            (await client.ReadUntilAsync('Z')).Should().Contain(m => m.Code == 'E');
            await client.SendAsync(RawProtocolClient.Message('X', []));
            await client.ReadToEndAsync();
        }

        await using (var connection = await harness.OpenSidecarAsync())
        await using (var command = new NpgsqlCommand("SELECT count(*) FROM customers WHERE name = $1 OR name = $2", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Ssn });
            command.Parameters.Add(new NpgsqlParameter { Value = Secret });
            (await command.ExecuteScalarAsync()).Should().Be(0L);
        }

        var lines = await StatementRecordingTests.WaitForSessionEndAsync(recordingPath);
        var text = await File.ReadAllTextAsync(recordingPath);
        text.Should().NotContain(Ssn).And.NotContain(Secret).And.NotContain("tangerine");
        var pair = RecordingFile.Statements(lines, of: RecordingFile.LastSession(lines) - 1).Should().ContainSingle(s => s.Text == "SELECT $1::text = $2::text").Subject;
        pair.Shapes.Should().Equal(("text", Ssn.Length, "text"), ("text", Secret.Length, "text"));
        text.Should().Contain("22P02", "the failure itself is recorded, without the value");

        spans.All.Should().NotBeEmpty();
        foreach (var span in spans.All)
        {
            var everything = string.Join("|", span.TagObjects.Select(t => $"{t.Key}={t.Value}")) + span.DisplayName + span.StatusDescription;
            everything.Should().NotContain(Ssn).And.NotContain(Secret);
        }
    }
}
