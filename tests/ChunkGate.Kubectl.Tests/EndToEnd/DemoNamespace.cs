using System.Text.Json.Nodes;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Kubectl.Tests.EndToEnd;

/// <summary>
/// One test's namespace: a fresh database with customers and orders, its admin Secret, the
/// DataConnection demo-db (designers chunkgate:designers, executors chunkgate:executors, SSN and card
/// masked) and finance-db, whose executors are a group nobody in the local cluster is in.
/// </summary>
internal sealed class DemoNamespace
{
    private DemoNamespace(PluginCluster cluster, string name)
    {
        Cluster = cluster;
        Name = name;
    }

    public PluginCluster Cluster { get; }

    public string Name { get; }

    /// <summary>
    /// A whole run (issue, Pod, revocation) on a 2-core machine shared with other builds takes
    /// seconds to tens of seconds. A bound, not a speed claim.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static async Task<DemoNamespace> CreateAsync(int requiredApprovals = 1)
    {
        var cluster = PluginCluster.Current;
        var ns = new DemoNamespace(cluster, $"plugin-{Guid.NewGuid().ToString("N")[..6]}");
        var server = cluster.Postgres;
        var database = await server.CreateDatabaseAsync("plugin");
        await using (var admin = new NpgsqlConnection(server.ConnectionStringFor(database)))
        {
            await admin.OpenAsync();
            await using var setup = new NpgsqlCommand("""
                CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text, card text);
                CREATE TABLE orders (id int PRIMARY KEY, customer int, card text);
                INSERT INTO customers SELECT g, 'customer ' || g, '900-00-' || lpad(g::text, 4, '0'), '4111111111111111' FROM generate_series(1, 20) g;
                """, admin);
            await setup.ExecuteNonQueryAsync();
        }

        (await cluster.Kubectl("admin", "create", "namespace", ns.Name)).ExitCode.Should().Be(0);
        (await cluster.Kubectl("admin", "-n", ns.Name, "create", "secret", "generic", "demo-db-admin",
            $"--from-literal=username={server.User}", $"--from-literal=password={server.Password}")).ExitCode.Should().Be(0);
        var applied = await cluster.KubectlWithInput("admin", $$"""
            apiVersion: chunkgate.io/v1alpha1
            kind: DataConnection
            metadata: {name: demo-db, namespace: {{ns.Name}}}
            spec:
              endpoint: {host: "{{server.Host}}", port: {{server.Port}}, database: {{database}}, sslMode: disable}
              adminSecretRef: {name: demo-db-admin}
              maxTTL: 15m
              allowedActions: [read, export]
              designerGroups: ["chunkgate:designers"]
              executorGroups: ["chunkgate:executors"]
              requiredApprovals: {{requiredApprovals}}
              masking:
                columns:
                - {column: public.customers.ssn, strategy: last4}
                - {column: public.orders.card, strategy: redact}
                detectors: [ssn, card, email]
            ---
            apiVersion: chunkgate.io/v1alpha1
            kind: DataConnection
            metadata: {name: finance-db, namespace: {{ns.Name}}}
            spec:
              endpoint: {host: "{{server.Host}}", port: {{server.Port}}, database: finance_not_here, sslMode: disable}
              adminSecretRef: {name: demo-db-admin}
              allowedActions: [export]
              designerGroups: ["chunkgate:designers"]
              executorGroups: ["finance:executors"]
            """, "apply", "-f", "-");
        applied.ExitCode.Should().Be(0, applied.ToString());
        return ns;
    }

    /// <summary>alice applies a job (the webhook stamps her as its designer).</summary>
    public async Task ApplyJobAsync(string name = "export-customers", int chunkSize = 5, string? runnerImage = null, string connection = "demo-db")
    {
        var runner = runnerImage is null ? "" : $"\n  runner: {{image: \"{runnerImage}\"}}";
        var applied = await Cluster.KubectlWithInput("alice", $$"""
            apiVersion: chunkgate.io/v1alpha1
            kind: ChunkJob
            metadata: {name: {{name}}, namespace: {{Name}}}
            spec:
              connectionRef: {name: {{connection}}}
              action: export
              tables: [public.customers]
              chunking: {table: public.customers, keyColumn: id, chunkSize: {{chunkSize}}}
              query: "SELECT id, name, ssn FROM customers WHERE id >= $1 AND id < $2"{{runner}}
            """, "apply", "-f", "-");
        applied.ExitCode.Should().Be(0, applied.ToString());
    }

    public Task<ProcessResult> Chunk(string user, params string[] args) => Cluster.Chunk(user, [.. args, "-n", Name]);

    public async Task<JsonNode> GetAsync(string resource, string name)
    {
        var result = await Cluster.Kubectl("admin", "-n", Name, "get", resource, name, "-o", "json");
        result.ExitCode.Should().Be(0, result.ToString());
        return JsonNode.Parse(result.Output)!;
    }

    public async Task<IReadOnlyList<string>> ApprovalNamesAsync()
    {
        var result = await Cluster.Kubectl("admin", "-n", Name, "get", "chunkapprovals", "-o", "name");
        result.ExitCode.Should().Be(0, result.ToString());
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async Task<JsonNode> WaitForJobAsync(string name, Func<JsonNode, bool> condition, string because)
    {
        JsonNode? job = null;
        try
        {
            await Eventually.TrueAsync(async () => condition(job = await GetAsync("chunkjob", name)), because, Patience, TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last seen: {job?.ToJsonString()}; operator log: {Cluster.OperatorLog}", ex);
        }

        return job!;
    }
}
