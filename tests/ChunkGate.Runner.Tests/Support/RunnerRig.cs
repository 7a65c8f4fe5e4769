namespace ChunkGate.Runner.Tests.Support;

/// <summary>
/// What the integration tests share: one database and one real sidecar process per action, each
/// masking <c>public.customers.ssn</c> (last4) and <c>public.customers.email</c> (hash) with the
/// SSN and e-mail detectors on, as a run Pod's sidecar would. Started on first use, stopped by
/// <see cref="RigLifetime"/> when the suite ends.
/// </summary>
internal sealed class RunnerRig
{
    public object Masking => new
    {
        columns = new[]
        {
            new { column = "public.customers.ssn", strategy = "last4" },
            new { column = "public.customers.email", strategy = "hash" },
        },
        detectors = new[] { "ssn", "email" },
        hashKeyFile = Path.Combine(Directory, "hash.key"),
    };

    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static RunnerRig? shared;
    private readonly Dictionary<string, SidecarProcess> sidecars = [];

    private RunnerRig(string directory, RunnerDatabase database)
    {
        Directory = directory;
        Database = database;
    }

    public string Directory { get; }

    public RunnerDatabase Database { get; }

    public static async Task<RunnerRig> SharedAsync()
    {
        await Lock.WaitAsync();
        try
        {
            if (shared is null)
            {
                var directory = System.IO.Directory.CreateTempSubdirectory("chunkgate-runner-tests-").FullName;
                await File.WriteAllBytesAsync(Path.Combine(directory, "hash.key"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                shared = new RunnerRig(directory, await RunnerDatabase.CreateAsync(directory));
            }

            return shared;
        }
        finally
        {
            Lock.Release();
        }
    }

    /// <summary>The sidecar for <paramref name="action"/>, started once.</summary>
    public async Task<SidecarProcess> SidecarAsync(string action)
    {
        await Lock.WaitAsync();
        try
        {
            if (!sidecars.TryGetValue(action, out var sidecar))
            {
                sidecar = await SidecarProcess.StartAsync(Directory, Database, action, Masking);
                sidecars[action] = sidecar;
            }

            return sidecar;
        }
        finally
        {
            Lock.Release();
        }
    }

    /// <summary>A fresh table name, so tests never see each other's rows.</summary>
    public static string TableName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    public static async Task StopAsync()
    {
        if (shared is null)
        {
            return;
        }

        foreach (var sidecar in shared.sidecars.Values)
        {
            sidecar.Dispose();
        }

        await shared.Database.DropAsync();
        System.IO.Directory.Delete(shared.Directory, recursive: true);
        shared = null;
    }
}
