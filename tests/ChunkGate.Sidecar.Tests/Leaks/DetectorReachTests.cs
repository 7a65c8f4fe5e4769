using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// Issue 11, hole 5, through the real sidecar: the detectors' documented reach over an unlisted
/// JSON column, caught and not caught, with and without <c>strict</c>.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class DetectorReachTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task CreateAsync() => harness = await SidecarHarness.CreateAsync("reach", """
        CREATE TABLE notes (id int PRIMARY KEY, doc jsonb);
        INSERT INTO notes VALUES (1, '{"ssn": "123456789"}'), (2, '{"order": "555666777"}'), (3, '{"card": "4111111111111112"}');
        """, build);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase(false, 1, "123456789", true, TestName = "NineDigitSsnUnderAnSsnKey_IsMasked")]
    [TestCase(false, 2, "555666777", false, TestName = "NineDigitNumberWithoutAHint_PassesByDefault")]
    [TestCase(true, 2, "555666777", true, TestName = "NineDigitNumberWithoutAHint_IsMaskedWhenStrict")]
    [TestCase(false, 3, "4111111111111112", false, TestName = "CardFailingLuhn_PassesByDefault")]
    [TestCase(true, 3, "4111111111111112", true, TestName = "CardFailingLuhn_IsMaskedWhenStrict")]
    public async Task Detectors_ReachAsDocumented(bool strict, int id, string raw, bool masked)
    {
        var detectors = strict ? """["ssn", "card", "email", "strict"]""" : """["ssn", "card", "email"]""";
        var masking = JsonDocument.Parse($$"""{ "detectors": {{detectors}} }""").RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT doc::text FROM notes WHERE id = {id}", connection);

        var value = (string)(await command.ExecuteScalarAsync())!;

        value.Contains(raw, StringComparison.Ordinal).Should().Be(!masked, value);
    }
}
