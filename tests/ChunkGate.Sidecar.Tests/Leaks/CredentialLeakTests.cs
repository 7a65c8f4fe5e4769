using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// Design rule 7: the sidecar holds the ephemeral role's password; it must never reach a log line,
/// a span or the recording, on the happy path or any failure path.
/// </summary>
[Category("PostgreSQL")]
[NonParallelizable]
internal sealed class CredentialLeakTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("credleak", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);");

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [Test]
    public async Task Password_NeverAppearsInLogsSpansOrRecording()
    {
        var recording = Path.Combine(Path.GetDirectoryName(harness.UsernameFile)!, "credleak", "session.jsonl");
        var logger = new CapturingLogger();
        using var spans = new SidecarSpans();

        var options = harness.Options(SessionAction.Read, recordingPath: recording);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, logger), logger: logger);

        await using (var connection = await harness.OpenSidecarAsync())
        {
            await new NpgsqlCommand("SELECT * FROM t", connection).ExecuteScalarAsync();
            var refused = async () => await new NpgsqlCommand("INSERT INTO t VALUES (2)", connection).ExecuteNonQueryAsync();
            await refused.Should().ThrowAsync<PostgresException>();
            var failing = async () => await new NpgsqlCommand("SELECT 1/0", connection).ExecuteScalarAsync();
            await failing.Should().ThrowAsync<PostgresException>();
        }

        var wrongDatabase = async () => await harness.OpenSidecarAsync("not_the_approved_one");
        await wrongDatabase.Should().ThrowAsync<PostgresException>();

        // A failed upstream login is the path most likely to echo what was sent.
        var password = await File.ReadAllTextAsync(harness.PasswordFile);
        await File.WriteAllTextAsync(harness.PasswordFile, password.Trim() + "-rotated-wrong");
        try
        {
            var rejected = async () => await harness.OpenSidecarAsync();
            await rejected.Should().ThrowAsync<PostgresException>();
        }
        finally
        {
            await File.WriteAllTextAsync(harness.PasswordFile, password);
        }

        await harness.StartAsync(options); // stops the first server, which closes its recorder
        logger.Lines.Should().NotBeEmpty("the failure paths log something, so the assertion below has lines to look at");
        logger.Lines.Should().NotContain(line => line.Contains(harness.Password, StringComparison.Ordinal));
        File.Exists(recording).Should().BeTrue();
        (await File.ReadAllTextAsync(recording)).Should().NotContain(harness.Password);
        spans.All.Should().NotBeEmpty();
        spans.All.SelectMany(span => span.TagObjects.Select(tag => $"{tag.Value}").Concat(span.Events.Select(e => e.Name)))
            .Should().NotContain(text => text.Contains(harness.Password, StringComparison.Ordinal));
    }
}
