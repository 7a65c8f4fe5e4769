using System.Text;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Controller;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Testing.Postgres;
using ChunkGate.Testing.Time;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// One test's world: a namespace on the shared local cluster, a fresh database on the test
/// PostgreSQL with a small customers table, a DataConnection to it, and controllers (hosts built
/// with <see cref="ControllerServiceCollectionExtensions.AddChunkGateController"/>) on a fake clock.
/// Objects are written as the admission webhook would leave them (designer annotation, approver stamps).
/// </summary>
internal sealed class ControllerHarness : IAsyncDisposable
{
    public const string Connection = "shop-db";
    private readonly List<IHost> hosts = [];

    private ControllerHarness(k8s.Kubernetes client, string ns, PostgresServer server, string database, string runnerImage)
    {
        Client = client;
        Namespace = ns;
        Server = server;
        Database = database;
        RunnerImage = runnerImage;
        Jobs = new CustomResourceClient<ChunkJob>(client, ChunkGateResources.Jobs);
        Approvals = new CustomResourceClient<ChunkApproval>(client, ChunkGateResources.Approvals);
        Connections = new CustomResourceClient<DataConnection>(client, ChunkGateResources.Connections);
    }

    public k8s.Kubernetes Client { get; }

    public string Namespace { get; }

    /// <summary>The operator's own namespace (its Lease, the masking keys): not the jobs', as in a real installation.</summary>
    public string OperatorNamespace => Namespace + "-op";

    public PostgresServer Server { get; }

    public string Database { get; }

    public string RunnerImage { get; }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public CustomResourceClient<ChunkJob> Jobs { get; }

    public CustomResourceClient<ChunkApproval> Approvals { get; }

    public CustomResourceClient<DataConnection> Connections { get; }

    public static async Task<ControllerHarness> StartAsync(string prefix, string runnerImage = ControllerCluster.SleepingRunner, bool startController = true)
    {
        var cluster = ControllerCluster.Cluster;
        var client = KubernetesClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath, currentContext: "admin"));
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns + "-op" } });

        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync("ctl");
        await using (var admin = new NpgsqlConnection(server.ConnectionStringFor(database)))
        {
            await admin.OpenAsync();
            await using var setup = new NpgsqlCommand("""
                CREATE SCHEMA shop;
                CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, ssn text);
                INSERT INTO shop.customers SELECT g, 'customer ' || g, '900-00-' || lpad(g::text, 4, '0') FROM generate_series(1, 50) g;
                """, admin);
            await setup.ExecuteNonQueryAsync();
        }

        var harness = new ControllerHarness(client, ns, server, database, runnerImage);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "shop-db-admin", NamespaceProperty = ns },
            Data = new Dictionary<string, byte[]> { ["username"] = Encoding.UTF8.GetBytes(server.User), ["password"] = Encoding.UTF8.GetBytes(server.Password) },
        }, ns);
        await harness.Connections.CreateAsync(new DataConnection
        {
            Metadata = new V1ObjectMeta { Name = Connection, NamespaceProperty = ns },
            Spec = new DataConnectionSpec
            {
                Endpoint = new Endpoint { Host = server.Host, Port = server.Port, Database = database, SslMode = ChunkGate.Api.Connections.SslMode.Disable },
                AdminSecretRef = new SecretKeysReference { Name = "shop-db-admin" },
                MaxTTL = "15m",
                AllowedActions = [JobAction.Read, JobAction.Export],
                DesignerGroups = ["chunkgate:designers"],
                ExecutorGroups = ["chunkgate:executors"],
                RequiredApprovals = 1,
                Masking = new MaskingRules { Columns = [new ColumnMask { Column = "shop.customers.ssn", Strategy = MaskStrategy.Last4 }] },
            },
        });
        if (startController)
        {
            await harness.StartControllerAsync("replica-a");
        }

        return harness;
    }

    public ControllerOptions Options(string identity) => new([Namespace], OperatorNamespace, RunnerImage, ControllerCluster.Sidecar, identity)
    {
        Kubeconfig = ControllerCluster.Cluster.KubeconfigPath,
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(250),
        Workers = 2,
        // Swept when a replica starts leading; not again while a test moves the clock (the sweep has its own test).
        SweepPeriod = TimeSpan.FromHours(6),
    };

    public async Task<IHost> StartControllerAsync(string identity)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole();
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.AddChunkGateController(Options(identity));
        var host = builder.Build();
        await host.StartAsync();
        hosts.Add(host);
        return host;
    }

    public IReadOnlyList<IHost> Hosts => hosts;

    public static ControllerService Service(IHost host) => host.Services.GetRequiredService<ControllerService>();

    public async Task StopControllerAsync(IHost host)
    {
        await host.StopAsync(TimeSpan.FromSeconds(10));
        hosts.Remove(host);
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    public async Task<ChunkJob> CreateJobAsync(string name, string? designer = "alice", int chunkSize = 10, int? parallelism = null)
    {
        var job = new ChunkJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = Namespace,
                Annotations = designer is null ? null : new Dictionary<string, string> { [AdmissionAnnotations.Designer] = designer },
            },
            Spec = new ChunkJobSpec
            {
                ConnectionRef = new NameReference { Name = Connection },
                Action = JobAction.Export,
                Tables = ["shop.customers"],
                Chunking = new Chunking { Table = "shop.customers", KeyColumn = "id", ChunkSize = chunkSize },
                Query = "SELECT id, name, ssn FROM shop.customers WHERE id >= $1 AND id < $2",
                Parallelism = parallelism,
            },
        };
        return await Jobs.CreateAsync(job);
    }

    /// <summary>An approval as the webhook stamps it: approver and groups from the user, expiresAt = now + ttl, the job's current spec hash and uid.</summary>
    public async Task<ChunkApproval> ApproveAsync(ChunkJob job, string approver = "bob", string ttl = "10m", string? name = null, string? specHash = null)
    {
        var current = await Jobs.GetAsync(Namespace, job.Metadata.Name);
        Api.Durations.KubeDuration.TryParse(ttl, out var duration, out _).Should().BeTrue();
        return await Approvals.CreateAsync(new ChunkApproval
        {
            Metadata = new V1ObjectMeta { Name = name ?? $"{job.Metadata.Name}-{approver}", NamespaceProperty = Namespace },
            Spec = new ChunkApprovalSpec
            {
                JobRef = new NameReference { Name = job.Metadata.Name },
                Ttl = ttl,
                Reason = "TICKET-1",
                JobSpecHash = specHash ?? SpecHash.Of(current),
                Approver = approver,
                ApproverGroups = ["chunkgate:executors"],
                ExpiresAt = DateTimeOffset.UtcNow + duration,
                JobUid = current.Metadata.Uid,
            },
        });
    }

    public Task<ChunkJob> JobAsync(string name) => Jobs.GetAsync(Namespace, name);

    /// <summary>
    /// Waits until the connection's masking rules are applied: before that a run waits with a
    /// retry backoff on the fake clock, which moves only when a test moves it.
    /// </summary>
    public Task WaitForConnectionAsync() => Eventually.TrueAsync(async () =>
        (await Connections.GetAsync(Namespace, Connection)) is { Status: { Reachable: true } status } applied && status.ObservedGeneration == applied.Metadata.Generation,
        "the connection's masking rules are applied", Patience, TimeSpan.FromMilliseconds(50));

    /// <summary>
    /// How long a wait for the controller may take: a whole run (reconcile, broker, process
    /// kubelet, revocation) on a 2-core machine running every test assembly at once took over 20 s.
    /// A bound, not a speed claim; the benchmarks measure speed.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public async Task<ChunkJob> WaitForJobAsync(string name, Func<ChunkJob, bool> condition, string because)
    {
        ChunkJob? seen = null;
        await Eventually.TrueAsync(async () => condition(seen = await JobAsync(name)), because, Patience, TimeSpan.FromMilliseconds(50));
        return seen!;
    }

    /// <summary>Waits until the job runs with its (first) Pod created and recorded by uid (not only requested); returns the run record.</summary>
    public async Task<RunStatus> WaitForRunningPodAsync(string job)
    {
        var running = await WaitForJobAsync(job, j => j.Status?.Phase == JobPhase.Running && j.Status.Run is { } run
            && ChunkGate.Operator.Controller.Runs.RunObjects.RecordedUid(run, ChunkGate.Operator.Controller.Runs.RunObjects.PodKind, run.Pod ?? "") is { Length: > 0 }, "the job runs with its Pod recorded");
        return running.Status!.Run!;
    }

    public Task<V1Pod?> PodAsync(string name) => Client.CoreV1.ReadNamespacedPodAsync(name, Namespace).OrNull();

    public Task<V1Secret?> SecretAsync(string name) => Client.CoreV1.ReadNamespacedSecretAsync(name, Namespace).OrNull();

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string involvedName)
    {
        var events = await Client.CoreV1.ListNamespacedEventAsync(Namespace, fieldSelector: $"involvedObject.name={involvedName}");
        return [.. events.Items];
    }

    public async Task<bool> RoleExistsAsync(string role)
    {
        await using var admin = new NpgsqlConnection(Server.ConnectionStringFor(Database));
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_roles WHERE rolname = @role", admin);
        command.Parameters.AddWithValue("role", role);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>A session as the run's role, with the password from the run's Secret (what the sidecar would use).</summary>
    public async Task<NpgsqlConnection> OpenRunSessionAsync(V1Secret secret)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server.ConnectionStringFor(Database))
        {
            Username = Encoding.UTF8.GetString(secret.Data["username"]),
            Password = Encoding.UTF8.GetString(secret.Data["password"]),
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The real kubectl as one of the local cluster's users (its context); returns stdout, fails the test on a non-zero exit.</summary>
    public async Task<string> KubectlAsync(string user, string? input, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kubectl", ["--kubeconfig", ControllerCluster.Cluster.KubeconfigPath, "--context", user, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        process.ExitCode.Should().Be(0, $"kubectl {string.Join(' ', arguments)} as {user}: {await error}");
        return await output;
    }

    /// <summary>The inner HMAC pad the database's masking views hash with (the key XOR 0x36, zero-padded to 64 bytes).</summary>
    public async Task<byte[]> ViewsInnerPadAsync()
    {
        await using var admin = new NpgsqlConnection(Server.ConnectionStringFor(Database));
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT inner_pad FROM chunkgate.hash_key", admin);
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts.ToList())
        {
            await StopControllerAsync(host);
        }

        foreach (var ns in new[] { Namespace, OperatorNamespace })
        {
            try
            {
                await Client.CoreV1.DeleteNamespaceAsync(ns);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }

        Client.Dispose();
    }
}
