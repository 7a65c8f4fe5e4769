using System.Text.Json;
using ChunkGate.Testing.Processes;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>The real masking sidecar (<c>ChunkGate.Sidecar serve</c>) as a process, in front of the test database.</summary>
internal sealed class SidecarProcess : IDisposable
{
    private readonly ShippedSidecar sidecar;

    private SidecarProcess(ShippedSidecar sidecar) => this.sidecar = sidecar;

    public int Port => sidecar.Port;

    /// <param name="action">read, write, export or transform: the sidecar's guardrails for it.</param>
    /// <param name="masking">The sidecar's <c>masking</c> section, or null for none.</param>
    public static async Task<SidecarProcess> StartAsync(string directory, RunnerDatabase database, string action, object? masking, string? passwordFile = null)
    {
        var port = FreePort();
        var config = new Dictionary<string, object?>
        {
            ["listen"] = $"127.0.0.1:{port}",
            ["upstream"] = new { host = database.Server.Host, port = database.Server.Port, database = database.Name, sslMode = "disable" },
            ["credential"] = new { usernameFile = database.UsernameFile, passwordFile = passwordFile ?? database.PasswordFile },
            ["action"] = action,
            ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(2).ToString("O"),
            ["masking"] = masking,
        };
        var path = Path.Combine(directory, $"sidecar-{action}-{port}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return new SidecarProcess(await ShippedSidecar.StartAsync(path, port));
    }

    public void Dispose() => sidecar.Dispose();

    public static int FreePort() => FreePorts.Take(1)[0];
}
