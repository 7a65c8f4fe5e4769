using System.Diagnostics;
using System.Globalization;
using ChunkGate.LocalCluster.Tests.Support;
using ChunkGate.Operator.Tests.Installation;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// <c>make cluster</c> (tests/cluster/local-installation.sh) as a person uses it: it prints
/// KUBECONFIG= and DATABASE=, kubectl works against it as the demo users, the DataConnection
/// demo-db is Ready, a job and its approval become a run, and SIGTERM stops every process it started
/// and removes its files.
/// </summary>
[Category("PostgreSQL"), Category("LocalCluster")]
public sealed class MakeClusterTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Test]
    public async Task MakeCluster_PrintsItsEndpoints_ServesTheDemoUsers_AndCleansUpOnSigterm()
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(OperatorInstallation.RepositoryFile("tests/cluster/local-installation.sh"));
        start.Environment["CONFIG"] = Configuration;
        using var script = Process.Start(start)!;
        var errors = script.StandardError.ReadToEndAsync();
        string? kubeconfig = null, database = null;
        try
        {
            using (var startup = new CancellationTokenSource(StartupPatience))
            {
                try
                {
                    while ((kubeconfig is null || database is null) && await script.StandardOutput.ReadLineAsync(startup.Token) is { } line)
                    {
                        kubeconfig = line.StartsWith("KUBECONFIG=", StringComparison.Ordinal) ? line["KUBECONFIG=".Length..] : kubeconfig;
                        database = line.StartsWith("DATABASE=", StringComparison.Ordinal) ? line["DATABASE=".Length..] : database;
                    }
                }
                catch (OperationCanceledException)
                {
                    // Reported below with what the script said.
                }
            }

            if (kubeconfig is null || database is null)
            {
                await TerminateAsync(script);
                Assert.Fail($"make cluster did not print KUBECONFIG= and DATABASE= within {StartupPatience.TotalSeconds} s; its stderr:\n{await errors}");
            }

            var work = Path.GetDirectoryName(Path.GetDirectoryName(kubeconfig))!;
            var kubectlCache = Path.Combine(Path.GetTempPath(), $"chunkgate-kubectl-{Guid.NewGuid():N}");
            var kubectl = new Kubectl(kubeconfig!, kubectlCache);
            try
            {
                (await kubectl.As("alice").OkAsync("auth whoami -o jsonpath={.status.userInfo.username}")).Output.Should().Be("alice");
                await Eventually.TrueAsync(async () => (await kubectl.RunAsync("-n demo get dataconnection demo-db -o jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Output == "True",
                    "the controller makes demo-db Ready (its masking views applied)", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

                // The demo users through the webhooks: alice designs, bob approves, a run starts.
                await kubectl.As("alice").OkAsync("apply -f -", """
                    apiVersion: chunkgate.io/v1alpha1
                    kind: ChunkJob
                    metadata: {name: export-customers, namespace: demo}
                    spec:
                      connectionRef: {name: demo-db}
                      action: export
                      tables: [public.customers]
                      chunking: {table: public.customers, keyColumn: id, chunkSize: 100}
                      query: "SELECT id, name, email FROM customers WHERE id >= $1 AND id < $2"
                    """);
                (await kubectl.As("alice").RunAsync("apply -f -", Approval)).Error.Should().Contain("alice designed demo/export-customers and cannot approve it");
                await kubectl.As("bob").OkAsync("apply -f -", Approval);
                await Eventually.TrueAsync(async () => (await kubectl.RunAsync("-n demo get cjob export-customers -o jsonpath={.status.phase}")).Output is "Running" or "Succeeded",
                    "the approved job runs (the runner may finish the demo export quickly)", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

                await using (var connection = new NpgsqlConnection(ConnectionString(database!)))
                {
                    await connection.OpenAsync();
                    await using var customers = new NpgsqlCommand("SELECT count(*) FROM customers", connection);
                    ((long)(await customers.ExecuteScalarAsync())!).Should().BePositive("DATABASE= names the demo database");
                }

                using (var term = Process.Start("kill", ["-TERM", script.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await script.WaitForExitAsync(stopping.Token);
                script.ExitCode.Should().Be(0, await errors);
                Directory.Exists(work).Should().BeFalse("make cluster removes its files");
                var port = ConnectionString(database!).Split(';').Single(part => part.StartsWith("Port=", StringComparison.Ordinal))["Port=".Length..];
                ProcessesMentioning(work, $"-p {port} ").Should().BeEmpty("make cluster stops the local cluster, the operator and PostgreSQL");
                var reopen = async () =>
                {
                    await using var connection = new NpgsqlConnection(ConnectionString(database!));
                    await connection.OpenAsync();
                };
                await reopen.Should().ThrowAsync<NpgsqlException>("PostgreSQL is stopped");
            }
            finally
            {
                if (Directory.Exists(kubectlCache))
                {
                    Directory.Delete(kubectlCache, recursive: true);
                }
            }
        }
        finally
        {
            await TerminateAsync(script);
        }
    }

    /// <summary>The script's own bound for the operator is 90 s; on a quiet machine all of it takes about 15 s.</summary>
    private static readonly TimeSpan StartupPatience = TimeSpan.FromSeconds(150);

    private static async Task TerminateAsync(Process script)
    {
        if (!script.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", script.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await script.WaitForExitAsync();
        }
    }

    private const string Approval = """
        apiVersion: chunkgate.io/v1alpha1
        kind: ChunkApproval
        metadata: {name: export-customers-approval, namespace: demo}
        spec:
          jobRef: {name: export-customers}
          ttl: 5m
          reason: "FIN-1 quarterly export"
        """;

    /// <summary>The libpq conninfo make cluster prints (key=value pairs) as an Npgsql connection string.</summary>
    private static string ConnectionString(string conninfo)
    {
        var pairs = conninfo.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        return $"Host={pairs["host"]};Port={pairs["port"]};Database={pairs["dbname"]};Username={pairs["user"]};Password={pairs["password"]};Pooling=false;Timeout=5";
    }

    /// <summary>Command lines of running processes that contain any of the strings.</summary>
    private static List<string> ProcessesMentioning(params string[] needles) =>
        [.. Directory.EnumerateDirectories("/proc").Select(dir => Path.Combine(dir, "cmdline")).Select(ReadOrEmpty)
            .Select(cmdline => cmdline.Replace('\0', ' '))
            .Where(cmdline => needles.Any(needle => cmdline.Contains(needle, StringComparison.Ordinal)))];

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception gone) when (gone is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
