using System.Net;
using ChunkGate.LocalCluster.Hosting;
using ChunkGate.LocalCluster.Tests.Support;
using ChunkGate.Operator.Hosting;
using ChunkGate.Testing.Processes;
using ChunkGate.Testing.Waiting;
using Microsoft.AspNetCore.Builder;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// A local cluster with the CRDs, and the operator's host (webhooks, certificates, health) connected
/// to it as the operator's service account, on free loopback ports. The cluster calls the webhooks
/// over HTTPS, trusting the caBundle the operator registered.
/// </summary>
internal sealed class AdmissionCluster : IAsyncDisposable
{
    public const string ArgoCd = "system:serviceaccount:argocd:argocd-application-controller";

    private readonly LocalClusterHost cluster;
    private readonly WebApplication host;

    private AdmissionCluster(LocalClusterHost cluster, WebApplication host, OperatorSettings settings, Kubectl kubectl)
    {
        this.cluster = cluster;
        this.host = host;
        Settings = settings;
        Kubectl = kubectl;
    }

    public OperatorSettings Settings { get; }

    public Kubectl Kubectl { get; }

    public IServiceProvider Services => host.Services;

    public static Task<AdmissionCluster> StartAsync(TimeProvider clock, params string[] extraFlags) => StartAsync(clock, _ => Task.CompletedTask, extraFlags);

    /// <param name="prepare">Runs once the namespace chunkgate-system exists, before the operator starts (e.g. writes a cert-manager Secret).</param>
    public static async Task<AdmissionCluster> StartAsync(TimeProvider clock, Func<Kubectl, Task> prepare, params string[] extraFlags)
    {
        var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            Manifests = [Path.Combine(TestContext.CurrentContext.TestDirectory, "crds")],
        });
        var kubectl = new Kubectl(cluster.KubeconfigPath, Path.Combine(cluster.Directory, "kubectl-cache"));
        await kubectl.OkAsync("create namespace chunkgate-system");
        await prepare(kubectl);
        var ports = FreePorts.Take(2);
        var (settings, error) = OperatorSettingsParser.Parse(
            [
                $"--kubeconfig={cluster.KubeconfigPath}", "--context=operator",
                $"--webhook-port={ports[0]}", $"--health-port={ports[1]}",
                $"--gitops-identities={ArgoCd}", .. extraFlags,
            ],
            _ => null);
        settings.Should().NotBeNull(error);
        var host = OperatorHost.Build(settings!, clock, _ => null, withController: false);
        await host.StartAsync();
        using var http = new HttpClient();
        await Eventually.TrueAsync(
            async () => (await http.GetAsync($"http://127.0.0.1:{settings!.HealthPort}/readyz")).StatusCode == HttpStatusCode.OK,
            "the operator registers its webhooks and serves its certificate", TimeSpan.FromSeconds(20));
        return new AdmissionCluster(cluster, host, settings!, kubectl);
    }

    /// <summary>A fresh namespace with the DataConnection demo-db (designers: chunkgate:designers, executors: chunkgate:executors, maxTTL 15m).</summary>
    public async Task<string> NamespaceWithConnectionAsync()
    {
        var ns = $"demo-{Guid.NewGuid().ToString("N")[..6]}";
        await Kubectl.OkAsync($"create namespace {ns}");
        await Kubectl.OkAsync("apply -f -", $$"""
            apiVersion: chunkgate.io/v1alpha1
            kind: DataConnection
            metadata: {name: demo-db, namespace: {{ns}}}
            spec:
              endpoint: {host: db.demo.internal, database: demo}
              adminSecretRef: {name: demo-db-admin}
              maxTTL: 15m
              allowedActions: [read, export]
              designerGroups: ["chunkgate:designers"]
              executorGroups: ["chunkgate:executors"]
              masking:
                columns:
                - {column: public.customers.ssn, strategy: last4}
            """);
        return ns;
    }

    public static string Job(string ns, string name = "export-customers", string? designerAnnotation = null, string query = "SELECT id, name FROM customers WHERE id >= $1 AND id < $2") => $$"""
        apiVersion: chunkgate.io/v1alpha1
        kind: ChunkJob
        metadata: {name: {{name}}, namespace: {{ns}}{{(designerAnnotation is null ? "" : $", annotations: {{chunkgate.io/designer: \"{designerAnnotation}\"}}")}}}
        spec:
          connectionRef: {name: demo-db}
          action: export
          tables: [public.customers]
          chunking: {table: public.customers, keyColumn: id, chunkSize: 1000}
          query: "{{query}}"
        """;

    public static string Approval(string ns, string name, string job = "export-customers", string ttl = "10m", string? extra = null) => $$"""
        apiVersion: chunkgate.io/v1alpha1
        kind: ChunkApproval
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          jobRef: {name: {{job}}}
          ttl: {{ttl}}
          reason: "FIN-1 quarterly export"
        {{extra ?? ""}}
        """;

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        await host.DisposeAsync();
        await cluster.DisposeAsync();
    }

}
