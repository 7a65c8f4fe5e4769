using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests.Integration;

/// <summary>The run contract's exit codes, each from a real cause: 2 bad configuration, 4 unreachable or refused, 5 expired (3: see ResumeTests and WriteActionTests).</summary>
[Category("PostgreSQL")]
public sealed class ExitCodeTests
{
    private static readonly RunnerJob Job = new("export", "public.items", "SELECT id FROM items WHERE id >= $1 AND id < $2");

    [TestCase("CHUNKGATE_JOB_SPEC", null, "CHUNKGATE_JOB_SPEC is required")]
    [TestCase("CHUNKGATE_JOB_SPEC", "{not json", "CHUNKGATE_JOB_SPEC is not a ChunkJob spec")]
    [TestCase("CHUNKGATE_JOB_SPEC", """{"connectionRef":{"name":"db"},"action":"export","tables":["public.items"],"chunking":{"table":"public.items","keyColumn":"id","chunkSize":10},"query":"SELECT id FROM items WHERE id >= $1"}""", "must use $1 and $2")]
    [TestCase("CHUNKGATE_DONE_CHUNKS", "3-1", "CHUNKGATE_DONE_CHUNKS: \"3-1\" is not a chunk index or range")]
    [TestCase("CHUNKGATE_SHARD", "3", "CHUNKGATE_SHARD must be a number from 0 to 0")]
    [TestCase("CHUNKGATE_OUTPUT", "relative/dir", "CHUNKGATE_OUTPUT must be stdout or an existing directory")]
    [TestCase("CHUNKGATE_EXPIRES_AT", "tomorrow", "CHUNKGATE_EXPIRES_AT must be an ISO 8601 time")]
    [TestCase("PGPORT", "port", "PGPORT must be a port number")]
    [TestCase("TRACEPARENT", "00-xyz", "TRACEPARENT must be a W3C traceparent")]
    public async Task BadConfiguration_SaysWhatInOneLineAndExits2(string variable, string? value, string expected)
    {
        var environment = Job.Environment(SidecarProcess.FreePort(), "postgres");
        if (value is null)
        {
            environment.Remove(variable);
        }
        else
        {
            environment[variable] = value;
        }

        var result = await RunnerProcess.RunAsync(environment);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Error.Should().Contain(expected);
        result.Error.TrimEnd('\n').Should().NotContain("\n", "one line");
        result.Output.Should().BeEmpty("nothing ran, so no record");
    }

    [Test]
    public async Task NothingListening_Exits4()
    {
        var result = await RunnerProcess.RunAsync(Job.Environment(SidecarProcess.FreePort(), "postgres"));

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("cannot connect to 127.0.0.1");
        result.Records.Should().BeEmpty();
    }

    [Test]
    public async Task CredentialRefused_Exits4()
    {
        var rig = await RunnerRig.SharedAsync();
        var wrongPassword = Path.Combine(rig.Directory, "wrong-password");
        await File.WriteAllTextAsync(wrongPassword, "not-the-password\n");
        using var sidecar = await SidecarProcess.StartAsync(rig.Directory, rig.Database, "export", masking: null, passwordFile: wrongPassword);

        var result = await RunnerProcess.RunAsync(rig, sidecar, Job);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Error.Should().Contain("cannot connect");
    }

    [Test]
    public async Task ExpiredBeforeTheRun_Exits5WithoutConnecting()
    {
        var expired = Job with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) };

        var result = await RunnerProcess.RunAsync(expired.Environment(SidecarProcess.FreePort(), "postgres"));

        result.ExitCode.Should().Be(5, result.ToString());
        result.Error.Should().Contain("approval expired");
        result.Records.Should().BeEmpty();
    }
}
