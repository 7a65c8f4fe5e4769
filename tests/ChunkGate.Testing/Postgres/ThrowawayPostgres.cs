using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ChunkGate.Testing.Processes;

namespace ChunkGate.Testing.Postgres;

/// <summary>
/// Starts a private PostgreSQL cluster: <c>initdb</c> into a temp directory, a random free
/// port on 127.0.0.1, SCRAM-SHA-256 for TCP clients (so tests exercise real password
/// authentication), run as the <c>postgres</c> user when the tests run as root (PostgreSQL
/// refuses to run as root). A <see cref="Leash"/> stops the server when the test process ends without
/// calling <see cref="Stop"/> (killed, or cut short at exit): pg_ctl detaches the server from us.
/// </summary>
public sealed class ThrowawayPostgres
{
    private readonly string binDirectory;
    private readonly string directory;
    private readonly bool asPostgresUser;
    private readonly Leash leash;
    private int stopped;

    private ThrowawayPostgres(string binDirectory, string directory, bool asPostgresUser, PostgresServer server)
    {
        this.binDirectory = binDirectory;
        this.directory = directory;
        this.asPostgresUser = asPostgresUser;
        Server = server;
        leash = Leash.Start(directory, AsUser(asPostgresUser, Path.Combine(binDirectory, "pg_ctl"), StopArguments(DataDirectory)));
    }

    public PostgresServer Server { get; }

    public string DataDirectory => Path.Combine(directory, "data");

    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory();
        SweepStale(Path.GetTempPath(), TimeProvider.System.GetUtcNow());
        var asPostgresUser = Environment.UserName == "root";
        var directory = Path.Combine(Path.GetTempPath(), "chunkgate-pg-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        Directory.CreateDirectory(directory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var passwordFile = Path.Combine(directory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory], cancellationToken).ConfigureAwait(false);
        }

        var data = Path.Combine(directory, "data");
        await RunAsync(asPostgresUser, Path.Combine(bin, "initdb"),
            ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "-A", "scram-sha-256", "--auth-local=trust",
             "-E", "UTF8", "--locale=C", "--no-sync"], cancellationToken).ConfigureAwait(false);

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            try
            {
                await RunAsync(asPostgresUser, Path.Combine(bin, "pg_ctl"),
                    ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
                     "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c max_prepared_transactions=10",
                     "start"], cancellationToken).ConfigureAwait(false);
                var server = new PostgresServer("127.0.0.1", port, "postgres", password, "postgres");
                return new ThrowawayPostgres(bin, directory, asPostgresUser, server);
            }
            catch (InvalidOperationException exception)
            {
                // The port was free when probed but taken before PostgreSQL bound it.
                last = exception;
            }
        }

        throw new InvalidOperationException($"Could not start a throwaway PostgreSQL in {directory}; see server.log there.", last);
    }

    /// <summary>For tests of the leash: what the kernel does when this process ends without <see cref="Stop"/>.</summary>
    internal void LetGo() => leash.LetGo();

    /// <summary>Stops the server immediately and deletes its directory. Safe to call twice.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        try
        {
            leash.Dispose();
            RunAsync(asPostgresUser, Path.Combine(binDirectory, "pg_ctl"), StopArguments(DataDirectory), CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless (the next start sweeps it); failing the run for it is not.
            }
        }
    }

    /// <summary>
    /// Deletes throwaway clusters left by test processes that were killed or cut short at exit:
    /// older than an hour (never one another process is still creating) and with no running
    /// postmaster (a live one keeps <c>postmaster.pid</c>).
    /// </summary>
    internal static int SweepStale(string temp, DateTimeOffset now)
    {
        var swept = 0;
        foreach (var directory in Directory.EnumerateDirectories(temp, "chunkgate-pg-*"))
        {
            try
            {
                var stale = now - Directory.GetLastWriteTimeUtc(directory) > TimeSpan.FromHours(1);
                if (stale && !File.Exists(Path.Combine(directory, "data", "postmaster.pid")))
                {
                    Directory.Delete(directory, recursive: true);
                    swept++;
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Someone else's, or being removed concurrently: leave it.
            }
        }

        return swept;
    }

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var version in new[] { "15", "16", "17", "14" })
        {
            var candidate = $"/usr/lib/postgresql/{version}/bin";
            if (File.Exists(Path.Combine(candidate, "initdb")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No PostgreSQL server binaries found: set PG_BIN, or PGHOST to use a running server.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string[] StopArguments(string data) => ["-D", data, "-m", "immediate", "-w", "stop"];

    private static string[] AsUser(bool asPostgresUser, string program, IReadOnlyList<string> arguments) =>
        asPostgresUser ? ["runuser", "-u", "postgres", "--", program, .. arguments] : [program, .. arguments];

    private static Task RunAsync(bool asPostgresUser, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var command = AsUser(asPostgresUser, program, arguments);
        return RunAsync(command[0], command[1..], cancellationToken);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }
}
