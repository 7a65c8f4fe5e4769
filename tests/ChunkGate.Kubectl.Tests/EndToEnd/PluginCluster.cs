using System.Diagnostics;
using System.Net;
using ChunkGate.Testing.Postgres;
using ChunkGate.Testing.Processes;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubectl.Tests.EndToEnd;

/// <summary>
/// What a user of the plugin has: the local cluster (its own process, with a process kubelet whose
/// images are stand-ins), the operator (its own process: controller and admission webhooks, as
/// `make cluster` runs it) against a real PostgreSQL, the real kubectl, and <c>kubectl-chunk</c>
/// found on the PATH. One per test run; each test works in its own namespace. Nothing it starts
/// outlives it: the teardown stops each process and fails when anything naming its directory is
/// still running, a failed start-up is torn down at once, and a leash ends each process when the
/// test host dies without a teardown (a cancelled or timed-out run).
/// </summary>
[SetUpFixture]
public sealed class PluginCluster
{
    public const string SleepingRunner = "chunkgate/runner:sleep";
    public const string FinishingRunner = "chunkgate/runner:done";
    public const string Sidecar = "chunkgate/sidecar:stand-in";

    /// <summary>
    /// The sidecar stand-in: a short session recording on stdout (what the operator keeps and
    /// replay shows), then it runs until the kubelet stops it.
    /// </summary>
    private const string SidecarScript = """
        cat <<'EOF'
        {"time":"2026-11-30T10:00:00.000Z","event":"session.start","session":1,"user":"chunkgate","database":"demo","action":"export"}
        {"time":"2026-11-30T10:00:00.250Z","event":"statement","session":1,"id":1,"protocol":"simple","text":"SELECT id, ssn\nFROM customers"}
        {"time":"2026-11-30T10:00:00.260Z","event":"columns","session":1,"id":1,"columns":[{"name":"id"},{"name":"ssn","masking":"last4"}]}
        {"time":"2026-11-30T10:00:00.300Z","event":"statement.end","session":1,"id":1,"tag":"SELECT 20","rows":20,"bytes":480,"masked":20,"durationMs":12.5}
        {"time":"2026-11-30T10:00:01.000Z","event":"session.end","session":1,"reason":"client closed","bytesToClient":900,"bytesToServer":120}
        EOF
        exec sleep 600
        """;

    private static PluginCluster? current;
    private readonly List<Process> processes = [];
    private readonly List<Leash> leashes = [];
    private string directory = "";

    internal static PluginCluster Current => current ?? throw new InvalidOperationException("the plugin's cluster is not started");

    public string Kubeconfig { get; private set; } = "";

    public string PluginDirectory { get; private set; } = "";

    public PostgresServer Postgres { get; private set; } = null!;

    public string OperatorLog => Path.Combine(directory, "operator.log");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        try
        {
            await StartEverythingAsync();
        }
        catch
        {
            // NUnit may skip the one-time teardown when the one-time set-up throws: stop what started.
            await StopAsync();
            throw;
        }
    }

    private async Task StartEverythingAsync()
    {
        var (repository, configuration) = Layout();
        PluginDirectory = Path.Combine(repository, "operator/ChunkGate.Kubectl/bin", configuration, "net10.0");
        File.Exists(Path.Combine(PluginDirectory, "kubectl-chunk")).Should().BeTrue("the build leaves the plugin's executable in {0}", PluginDirectory);
        directory = Directory.CreateTempSubdirectory("chunkgate-plugin-").FullName;
        current = this;

        var images = Path.Combine(directory, "images.yaml");
        var sidecar = Path.Combine(directory, "sidecar.sh");
        await File.WriteAllTextAsync(sidecar, SidecarScript);
        await File.WriteAllTextAsync(images, $"""
            images:
              {SleepingRunner}:
                entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                cmd: []
              {FinishingRunner}:
                entrypoint: ["/bin/sh", "-c", "sleep 1; exit 0"]
                cmd: []
              {Sidecar}:
                entrypoint: ["/bin/sh", "{sidecar}"]
                cmd: []
            """);
        var cluster = Start(new ProcessStartInfo("dotnet",
        [
            Path.Combine(repository, "tests/ChunkGate.LocalCluster/bin", configuration, "net10.0/ChunkGate.LocalCluster.dll"),
            "--dir", Path.Combine(directory, "cluster"), "--apply", Path.Combine(repository, "crds"), "--images", images, "--bookmark-seconds", "1",
        ]), "cluster.log", redirectOutput: true);
        Kubeconfig = await KubeconfigLineAsync(cluster);

        (await Kubectl("admin", "create", "namespace", "chunkgate-system")).ExitCode.Should().Be(0);
        Postgres = await PostgresServer.SharedAsync();

        var ports = FreePorts.Take(2);
        var health = ports[0];
        Start(new ProcessStartInfo("dotnet",
        [
            Path.Combine(repository, "operator/ChunkGate.Operator/bin", configuration, "net10.0/ChunkGate.Operator.dll"),
            $"--kubeconfig={Kubeconfig}", "--context=operator", $"--webhook-port={ports[1]}", $"--health-port={health}",
            $"--runner-image={SleepingRunner}", $"--sidecar-image={Sidecar}",
        ]), "operator.log", redirectOutput: false);
        using var http = new HttpClient();
        await Eventually.TrueAsync(
            async () =>
            {
                processes.Should().OnlyContain(p => !p.HasExited, "the cluster and the operator keep running (see {0})", directory);
                try
                {
                    return (await http.GetAsync($"http://127.0.0.1:{health}/readyz")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the operator serves its webhooks and its caches are ready", TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // The operator first (it revokes nothing on the way out), then the cluster, which ends its Pods' processes.
        foreach (var process in Enumerable.Reverse(processes))
        {
            await ProcessRun.StopAsync(process, TimeSpan.FromSeconds(15));
            process.Dispose();
        }

        processes.Clear();
        leashes.ForEach(leash => leash.Dispose());
        leashes.Clear();
        if (directory.Length == 0)
        {
            return;
        }

        // Every process of this fixture names its directory (in its arguments, or a Pod's HOME).
        var leftovers = Leftovers.Mentioning(directory);
        foreach (var (pid, _) in leftovers)
        {
            try
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // Ended meanwhile.
            }
        }

        Directory.Delete(directory, recursive: true);
        directory = "";
        leftovers.Should().BeEmpty("the fixture stops every process it started (these were killed now)");
    }

    /// <summary>The real kubectl as a user of the local cluster (its discovery cache kept per cluster).</summary>
    internal Task<ProcessResult> Kubectl(string user, params string[] args) => KubectlWithInput(user, null, args);

    internal Task<ProcessResult> KubectlWithInput(string user, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl", ["--kubeconfig", Kubeconfig, "--context", user, "--cache-dir", Path.Combine(directory, "kube-cache"), .. args]);
        start.Environment.Remove("KUBECONFIG");
        return ProcessRun.RunAsync(start, stdin);
    }

    /// <summary>
    /// <c>kubectl chunk ARGS --kubeconfig K --context USER</c>, as a user types it: kubectl finds
    /// kubectl-chunk on the PATH and passes it every argument after its name.
    /// </summary>
    internal Task<ProcessResult> Chunk(string user, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl", ["chunk", .. args, "--kubeconfig", Kubeconfig, "--context", user]);
        start.Environment["PATH"] = PluginDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("KUBECONFIG");
        start.Environment.Remove("NO_COLOR");
        return ProcessRun.RunAsync(start, timeoutSeconds: 120);
    }

    /// <summary>
    /// The same, on a terminal: util-linux <c>script</c> gives the command a pseudo-terminal, so the
    /// plugin sees what it sees when a person types it. <paramref name="noColour"/> sets NO_COLOR.
    /// </summary>
    internal Task<ProcessResult> ChunkOnTerminal(string user, bool noColour, params string[] args)
    {
        string[] words = ["kubectl", "chunk", .. args, "--kubeconfig", Kubeconfig, "--context", user];
        var command = string.Join(' ', words.Select(word => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = new ProcessStartInfo("script", ["-qec", command, "/dev/null"]);
        start.Environment["PATH"] = PluginDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["TERM"] = "xterm";
        start.Environment.Remove("KUBECONFIG");
        if (noColour)
        {
            start.Environment["NO_COLOR"] = "1";
        }
        else
        {
            start.Environment.Remove("NO_COLOR");
        }

        return ProcessRun.RunAsync(start, timeoutSeconds: 120);
    }

    private Process Start(ProcessStartInfo start, string log, bool redirectOutput)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start)!;
        processes.Add(process);
        leashes.Add(Leash.Terminating(directory, process.Id, TimeSpan.FromSeconds(15)));
        var writer = new StreamWriter(Path.Combine(directory, log)) { AutoFlush = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (writer)
                {
                    writer.WriteLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        if (!redirectOutput)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (writer)
                    {
                        writer.WriteLine(e.Data);
                    }
                }
            };
            process.BeginOutputReadLine();
        }

        return process;
    }

    private static async Task<string> KubeconfigLineAsync(Process cluster)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await cluster.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("KUBECONFIG=", StringComparison.Ordinal))
            {
                // Keep draining stdout so the cluster never blocks on a full pipe.
                _ = cluster.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return line["KUBECONFIG=".Length..];
            }
        }

        throw new InvalidOperationException("the local cluster ended before it served");
    }

    /// <summary>The repository root and the build configuration this test assembly was built with (bin/CONFIG/net10.0).</summary>
    private static (string Repository, string Configuration) Layout()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var repository = output;
        while (!File.Exists(Path.Combine(repository.FullName, "Operator.sln")))
        {
            repository = repository.Parent ?? throw new InvalidOperationException($"no Operator.sln above {AppContext.BaseDirectory}");
        }

        return (repository.FullName, configuration);
    }

}
