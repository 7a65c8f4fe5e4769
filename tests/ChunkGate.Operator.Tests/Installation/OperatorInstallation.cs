using System.Text;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.LocalCluster.Hosting;
using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Testing.Postgres;
using k8s;
using k8s.Models;
using Npgsql;

namespace ChunkGate.Operator.Tests.Installation;

/// <summary>
/// What <c>make cluster</c> installs, built in-process for tests and benchmarks: the demo database
/// (<c>samples/demo/demo-database.sql</c>) on the test PostgreSQL, a local cluster with the CRDs
/// and a process kubelet (images from the caller), the namespace <c>demo</c> with the admin Secret
/// and the DataConnection <c>demo-db</c>, and the real operator process connected to both.
/// Unlike <c>make cluster</c>, the operator can be stopped and started again.
/// </summary>
internal sealed class OperatorInstallation : IAsyncDisposable
{
    public const string Namespace = "demo";
    public const string Connection = "demo-db";

    private readonly string directory;
    private readonly IReadOnlyList<string> operatorFlags;

    private OperatorInstallation(LocalClusterHost cluster, PostgresServer server, string database, string directory, IReadOnlyList<string> operatorFlags)
    {
        Cluster = cluster;
        Server = server;
        Database = database;
        this.directory = directory;
        this.operatorFlags = operatorFlags;
        Admin = Client("admin");
    }

    public LocalClusterHost Cluster { get; }

    public PostgresServer Server { get; }

    public string Database { get; }

    public k8s.Kubernetes Admin { get; }

    public OperatorProcess? Operator { get; private set; }

    /// <param name="images">
    /// The process kubelet's image map (YAML body under <c>images:</c>), e.g. sleeping stand-ins; null for
    /// no kubelet, as <c>make cluster</c> runs (Pods are created, never run).
    /// </param>
    public static async Task<OperatorInstallation> StartAsync(string? images, string runnerImage = "chunkgate/runner:dev", string sidecarImage = "chunkgate/sidecar:dev",
        CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory("chunkgate-installation-").FullName;
        var server = await PostgresServer.SharedAsync().ConfigureAwait(false);
        var database = await server.CreateDatabaseAsync("demo", cancellationToken).ConfigureAwait(false);
        await using (var admin = new NpgsqlConnection(server.ConnectionStringFor(database)))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var load = new NpgsqlCommand(await File.ReadAllTextAsync(RepositoryFile("samples/demo/demo-database.sql"), cancellationToken).ConfigureAwait(false), admin);
            await load.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        string? imageMap = null;
        if (images is not null)
        {
            imageMap = Path.Combine(directory, "images.yaml");
            await File.WriteAllTextAsync(imageMap, "images:\n" + images, cancellationToken).ConfigureAwait(false);
        }

        var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            Directory = Path.Combine(directory, "cluster"),
            Manifests = [RepositoryFile("crds")],
            ImageMapFile = imageMap,
            BookmarkInterval = TimeSpan.FromSeconds(1),
        }, cancellationToken).ConfigureAwait(false);

        var installation = new OperatorInstallation(cluster, server, database, directory,
            [$"--watch-namespaces={Namespace}", $"--runner-image={runnerImage}", $"--sidecar-image={sidecarImage}"]);
        await installation.CreateDemoAsync(cancellationToken).ConfigureAwait(false);
        return installation;
    }

    /// <summary>A client as one of the local cluster's users (admin, alice, bob, carol, operator).</summary>
    public k8s.Kubernetes Client(string context) =>
        KubernetesClients.Create(KubernetesClientConfiguration.BuildConfigFromConfigFile(Cluster.KubeconfigPath, currentContext: context));

    public CustomResourceClient<T> Resources<T>(k8s.Kubernetes client, ResourceType type)
        where T : class, IKubernetesObject<V1ObjectMeta> => new(client, type);

    /// <summary>Starts (or starts again) the operator process; <paramref name="environment"/> is all it gets besides the machine's.</summary>
    public async Task<OperatorProcess> StartOperatorAsync(IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        if (Operator is { HasExited: false })
        {
            throw new InvalidOperationException("the operator is already running");
        }

        Operator = await OperatorProcess.StartAsync(Cluster.KubeconfigPath, Path.Combine(directory, "operator.log"), operatorFlags,
            environment ?? new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
        return Operator;
    }

    /// <summary>Waits until the controller has applied demo-db's masking rules (the connection is Ready for runs).</summary>
    public async Task WaitForConnectionAsync(TimeSpan patience, CancellationToken cancellationToken = default)
    {
        var connections = Resources<DataConnection>(Admin, ChunkGateResources.Connections);
        var deadline = DateTime.UtcNow + patience;
        while (await connections.GetAsync(Namespace, Connection, cancellationToken).ConfigureAwait(false) is not { Status: { Reachable: true } status } current
            || status.ObservedGeneration != current.Metadata.Generation)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DataConnection {Namespace}/{Connection} did not become reachable within {patience}:\n{Operator?.LogTail()}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A job on demo-db over the demo customers, as alice writes it (the webhook stamps her); <paramref name="designer"/> writes the stamp when no webhook runs.</summary>
    public static ChunkJob Job(string name, JobAction action = JobAction.Export, string? designer = null) => new()
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
            Action = action,
            Tables = ["public.customers"],
            Chunking = new Chunking { Table = "public.customers", KeyColumn = "id", ChunkSize = 100 },
            Query = "SELECT id, name, city FROM customers WHERE id >= $1 AND id < $2",
        },
    };

    /// <summary>A direct connection as a run's role, with the credential from its Secret (what the sidecar uses).</summary>
    public string RunSessionConnectionString(V1Secret runSecret) => new NpgsqlConnectionStringBuilder(Server.ConnectionStringFor(Database))
    {
        Username = Encoding.UTF8.GetString(runSecret.Data["username"]),
        Password = Encoding.UTF8.GetString(runSecret.Data["password"]),
        Pooling = false,
    }.ConnectionString;

    /// <summary>A file of this repository, found above the running assembly.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new InvalidOperationException("the repository (Operator.sln) was not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (Operator is not null)
        {
            await Operator.DisposeAsync().ConfigureAwait(false);
        }

        await Cluster.DisposeAsync().ConfigureAwait(false);
        Admin.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A process of a Pod still writing: the temp directory goes with the machine.
        }
    }

    /// <summary>The same objects as tests/cluster/local-installation.sh applies.</summary>
    private async Task CreateDemoAsync(CancellationToken cancellationToken)
    {
        foreach (var name in (string[])["chunkgate-system", Namespace])
        {
            await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "demo-db-admin", NamespaceProperty = Namespace },
            Data = new Dictionary<string, byte[]> { ["username"] = Encoding.UTF8.GetBytes(Server.User), ["password"] = Encoding.UTF8.GetBytes(Server.Password) },
        }, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Resources<DataConnection>(Admin, ChunkGateResources.Connections).CreateAsync(new DataConnection
        {
            Metadata = new V1ObjectMeta { Name = Connection, NamespaceProperty = Namespace },
            Spec = new DataConnectionSpec
            {
                Endpoint = new Endpoint { Host = Server.Host, Port = Server.Port, Database = Database, SslMode = ChunkGate.Api.Connections.SslMode.Disable },
                AdminSecretRef = new SecretKeysReference { Name = "demo-db-admin" },
                MaxTTL = "15m",
                AllowedActions = [JobAction.Read, JobAction.Export, JobAction.Write, JobAction.Transform],
                DesignerGroups = ["chunkgate:designers"],
                ExecutorGroups = ["chunkgate:executors"],
                RequiredApprovals = 1,
                Masking = new MaskingRules
                {
                    Columns =
                    [
                        new ColumnMask { Column = "public.customers.ssn", Strategy = MaskStrategy.Last4 },
                        new ColumnMask { Column = "public.customers.card_number", Strategy = MaskStrategy.Redact },
                        new ColumnMask { Column = "public.customers.email", Strategy = MaskStrategy.Hash },
                    ],
                    Detectors = [ValueDetector.Ssn, ValueDetector.Card, ValueDetector.Email],
                },
            },
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
