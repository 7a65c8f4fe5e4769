using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Integration;

/// <summary>The <c>serve</c> command as a user runs it: start-up failures end with one clear line and an exit code, not a stack trace.</summary>
public sealed class ServeCommandTests
{
    private static readonly string SidecarDll = Path.Combine(AppContext.BaseDirectory, "ChunkGate.Sidecar.dll");

    [Test]
    public async Task Serve_WithAMissingConfiguration_SaysWhichFileAndExits2()
    {
        var missing = Path.Combine(Path.GetTempPath(), "chunkgate-missing-" + Guid.NewGuid().ToString("N") + ".json");

        var (exit, _, error) = await ProcessRunner.RunAsync("dotnet", [SidecarDll, "serve", "--config", missing]);

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
        var directory = Directory.CreateTempSubdirectory("chunkgate-serve-").FullName;
        try
        {
            var username = Path.Combine(directory, "username");
            var password = Path.Combine(directory, "password");
            await File.WriteAllTextAsync(username, "job_role");
            await File.WriteAllTextAsync(password, "not-used");
            var config = Path.Combine(directory, "sidecar.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
            {
                listen = $"127.0.0.1:{port}",
                upstream = new { host = "127.0.0.1", port = 5432, database = "postgres", sslMode = "disable" },
                credential = new { usernameFile = username, passwordFile = password },
                action = "read",
            }));

            var (exit, _, error) = await ProcessRunner.RunAsync("dotnet", [SidecarDll, "serve", "--config", config]);

            exit.Should().Be(1);
            error.Should().Contain($"cannot listen on 127.0.0.1:{port}").And.NotContain("Unhandled exception");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
