using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Integration;

/// <summary>The <c>serve</c> command as a user runs it: start-up failures end with one clear line and an exit code, not a stack trace.</summary>
public sealed class ServeCommandTests
{
    // The executable the sidecar image runs (native in Release), so start-up is tested as shipped.
    private static readonly (string FileName, IReadOnlyList<string> Arguments) Sidecar = ChunkGate.Testing.Processes.ComponentBuild.Program("ChunkGate.Sidecar");

    [Test]
    public async Task Serve_WithAMissingConfiguration_SaysWhichFileAndExits2()
    {
        var missing = Path.Combine(Path.GetTempPath(), "chunkgate-missing-" + Guid.NewGuid().ToString("N") + ".json");

        var (exit, _, error) = await ProcessRunner.RunAsync(Sidecar.FileName, [.. Sidecar.Arguments, "serve", "--config", missing]);

        exit.Should().Be(2);
        error.Should().Contain($"cannot read the configuration {missing}");
    }

    [Test]
    public async Task Serve_OnAPortAlreadyInUse_SaysSoAndExits1()
    {
        using var occupant = new Socket(SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupant.Listen();
        var port = ((IPEndPoint)occupant.LocalEndPoint!).Port;
        await InTemporaryDirectoryAsync(async directory =>
        {
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?> { ["listen"] = $"127.0.0.1:{port}" });

            var (exit, _, error) = await ProcessRunner.RunAsync(Sidecar.FileName, [.. Sidecar.Arguments, "serve", "--config", config]);

            exit.Should().Be(1);
            error.Should().Contain($"cannot listen on 127.0.0.1:{port}").And.NotContain("Unhandled exception");
        });
    }

    [Test]
    public async Task Serve_AtExpiry_EndsWithExitCode0_NotACrash()
    {
        await InTemporaryDirectoryAsync(async directory =>
        {
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?> { ["expiresAt"] = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O") });

            var (exit, output, error) = await ProcessRunner.RunAsync(Sidecar.FileName, [.. Sidecar.Arguments, "serve", "--config", config], timeout: TimeSpan.FromSeconds(30));

            error.Should().NotContain("Unhandled exception");
            exit.Should().Be(0, "expiry is the documented, clean end of a sidecar (exit 134 was a crash)");
            output.Should().Contain("approval expired");
        });
    }

    [TestCase("listen", "0.0.0.0:0", "not a loopback address", TestName = "Serve_RefusesANonLoopbackListen")]
    [TestCase("expiresAt", null, "expiresAt is required", TestName = "Serve_RefusesAConfigurationWithoutExpiresAt")]
    [TestCase("upstream", "no-ssl-mode", "upstream.sslMode is required", TestName = "Serve_RefusesAnUnstatedSslModeWithoutACa")]
    public async Task Serve_RefusesFailOpenConfigurations(string setting, string? value, string expected)
    {
        await InTemporaryDirectoryAsync(async directory =>
        {
            object? setTo = value == "no-ssl-mode" ? new { host = "127.0.0.1", port = 5432, database = "postgres" } : value;
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?> { [setting] = setTo });

            var (exit, _, error) = await ProcessRunner.RunAsync(Sidecar.FileName, [.. Sidecar.Arguments, "serve", "--config", config], timeout: TimeSpan.FromSeconds(30));

            exit.Should().Be(2);
            error.Should().Contain(expected);
        });
    }

    [Test]
    public async Task Serve_SaysAtStartUpWhatIsOff()
    {
        await InTemporaryDirectoryAsync(async directory =>
        {
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?> { ["expiresAt"] = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O") });

            var (_, output, _) = await ProcessRunner.RunAsync(Sidecar.FileName, [.. Sidecar.Arguments, "serve", "--config", config], timeout: TimeSpan.FromSeconds(30));

            output.Should().Contain("masking is OFF").And.Contain("recording is OFF").And.Contain("upstream TLS is OFF");
        });
    }

    [TestCase(1, TestName = "Serve_OnSigterm_StopsWithExitCode0")]
    [TestCase(24 * 400, TestName = "Serve_WithAnExpiryMoreThanATimersReachAway_ServesUntilSigterm")]
    public async Task Serve_OnSigterm_StopsWithExitCode0(int hoursToExpiry)
    {
        await InTemporaryDirectoryAsync(async directory =>
        {
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?> { ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(hoursToExpiry).ToString("O") });
            var start = new System.Diagnostics.ProcessStartInfo(Sidecar.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in Sidecar.Arguments.Concat(["serve", "--config", config]))
            {
                start.ArgumentList.Add(argument);
            }

            using var sidecar = System.Diagnostics.Process.Start(start)!;
            try
            {
                while (await sidecar.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line && !line.Contains("listening on", StringComparison.Ordinal))
                {
                }

                using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", sidecar.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                sidecar.ExitCode.Should().Be(0, "SIGTERM is a documented, clean stop (the runtime's default exit was 143)");
            }
            finally
            {
                if (!sidecar.HasExited)
                {
                    sidecar.Kill();
                }
            }
        });
    }

    /// <summary>
    /// <c>recording.path: "-"</c> (the run Pod's setting): stdout carries the recording's JSON lines
    /// and nothing else, so the operator can keep them from the container log; log lines go to stderr.
    /// </summary>
    [Test]
    public async Task Serve_RecordingToStdout_WritesOnlyRecordingLinesThere_AndLogsToStderr()
    {
        var server = await ChunkGate.Testing.Postgres.PostgresServer.SharedAsync();
        await InTemporaryDirectoryAsync(async directory =>
        {
            var config = await WriteConfigAsync(directory, new Dictionary<string, object?>
            {
                ["upstream"] = new { host = server.Host, port = server.Port, database = "postgres", sslMode = "disable" },
                ["recording"] = new { path = "-" },
            });
            await File.WriteAllTextAsync(Path.Combine(directory, "username"), server.User);
            await File.WriteAllTextAsync(Path.Combine(directory, "password"), server.Password);
            var start = new System.Diagnostics.ProcessStartInfo(Sidecar.FileName) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in Sidecar.Arguments.Concat(["serve", "--config", config]))
            {
                start.ArgumentList.Add(argument);
            }

            using var sidecar = System.Diagnostics.Process.Start(start)!;
            try
            {
                var stdout = sidecar.StandardOutput.ReadToEndAsync();
                string? listening;
                while ((listening = await sidecar.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))) is not null && !listening.Contains("listening on", StringComparison.Ordinal))
                {
                }

                var port = System.Text.RegularExpressions.Regex.Match(listening ?? "", @"listening on \S*:(\d+),").Groups[1].Value;
                port.Should().NotBeEmpty("the sidecar logs where it listens, on stderr");
                await using (var client = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={port};Database=postgres;Username=anyone;Pooling=false;SSL Mode=Disable"))
                {
                    await client.OpenAsync();
                    await using var command = new Npgsql.NpgsqlCommand("SELECT 41 + 1", client);
                    (await command.ExecuteScalarAsync()).Should().Be(42);
                }

                using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", sidecar.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                var errors = await sidecar.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
                await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);

                lines.Should().NotBeEmpty();
                lines.Should().OnlyContain(l => l.StartsWith("{\"time\":", StringComparison.Ordinal), "stdout holds recording lines only");
                var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
                events.Select(e => e.GetProperty("event").GetString()).Should().Contain(["session.start", "statement", "session.end"]);
                events.Should().Contain(e => e.GetProperty("event").GetString() == "statement" && e.GetProperty("text").GetString()!.Contains("41 + 1"));
                errors.Should().Contain("stopping");
            }
            finally
            {
                if (!sidecar.HasExited)
                {
                    sidecar.Kill();
                }
            }
        });
    }

    private static async Task InTemporaryDirectoryAsync(Func<string, Task> test)
    {
        var directory = Directory.CreateTempSubdirectory("chunkgate-serve-").FullName;
        try
        {
            await test(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A valid configuration (loopback listen on a free port, upstream never contacted) with <paramref name="overrides"/> merged over it.</summary>
    internal static async Task<string> WriteConfigAsync(string directory, IReadOnlyDictionary<string, object?> overrides)
    {
        var username = Path.Combine(directory, "username");
        var password = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(username, "job_role");
        await File.WriteAllTextAsync(password, "not-used");
        var settings = new Dictionary<string, object?>
        {
            ["listen"] = "127.0.0.1:0",
            ["upstream"] = new { host = "127.0.0.1", port = 5432, database = "postgres", sslMode = "disable" },
            ["credential"] = new { usernameFile = username, passwordFile = password },
            ["action"] = "read",
            ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O"),
        };
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        var config = Path.Combine(directory, "sidecar.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(settings));
        return config;
    }
}
