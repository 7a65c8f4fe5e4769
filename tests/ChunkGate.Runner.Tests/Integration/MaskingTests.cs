using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>The output shows what the sidecar let through: masked SSN and e-mail columns, and the detectors' work in free text.</summary>
[Category("PostgreSQL")]
public sealed class MaskingTests
{
    [TestCase("csv")]
    [TestCase("jsonl")]
    public async Task Export_ThroughTheSidecar_ShowsMaskedColumnsAndNoRawValue(string format)
    {
        var rig = await RunnerRig.SharedAsync();
        // The sidecar's column rules name public.customers; one table of that name serves both cases.
        await rig.Database.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text, ssn text, email text, note text);
            INSERT INTO customers VALUES
              (1, 'Ada', '123-45-6789', 'ada@example.com', 'call back'),
              (2, 'Bob', '987-65-4321', 'bob@example.org', 'his SSN is 555-12-3456, mail bob.private@example.net')
            ON CONFLICT DO NOTHING;
            """);
        var sidecar = await rig.SidecarAsync("export");
        var job = new RunnerJob("export", "public.customers", "SELECT id, name, ssn, email, note FROM customers WHERE id >= $1 AND id < $2", 10, format);

        var result = await RunnerProcess.RunAsync(rig, sidecar, job);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Text.Should().Contain("Ada").And.Contain("Bob").And.Contain("6789", "last4 keeps the last four digits");
        foreach (var raw in new[] { "123-45-6789", "987-65-4321", "ada@example.com", "bob@example.org", "555-12-3456", "bob.private@example.net" })
        {
            result.Text.Should().NotContain(raw);
        }
    }
}
