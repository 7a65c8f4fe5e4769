using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Tests.Installation;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;
using Npgsql;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// Rule 4 with the operator down: a run still ends at its approval's expiry, by the three layers
/// that do not need the controller (the role's VALID UNTIL, the Pod's activeDeadlineSeconds run by
/// the kubelet, the sidecar's own deadline), and the operator, started again, revokes the rest.
/// The run Pod is the real sidecar (built by this solution) beside a sleeping job container.
/// </summary>
[Category("PostgreSQL"), Category("LocalCluster")]
public sealed class ExpiryWithoutOperatorTests
{
    private const string Runner = "chunkgate/runner:sleep";
    private const string Sidecar = "chunkgate/sidecar:built";

    /// <summary>Time for the run to start, its sidecar to listen and a session to open, before expiry, on a loaded 2-core machine.</summary>
    private const string Ttl = "25s";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task ARun_EndsAtExpiry_WithTheOperatorStopped_AndTheOperatorRevokesTheRestWhenBack()
    {
        // As the sidecar image runs it (the native executable of a Release build), built with this project.
        var (program, arguments) = ChunkGate.Testing.Processes.ComponentBuild.Program("ChunkGate.Sidecar");
        var sidecar = string.Join(", ", new[] { program }.Concat(arguments).Select(part => $"\"{part}\""));
        await using var installation = await OperatorInstallation.StartAsync($$"""
              {{Runner}}:
                entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                cmd: []
              {{Sidecar}}:
                entrypoint: [{{sidecar}}]
                cmd: []
                env: {DOTNET_gcServer: "0"}
            """, Runner, Sidecar);
        var operatorProcess = await installation.StartOperatorAsync();
        await installation.WaitForConnectionAsync(Patience);
        using var alice = installation.Client("alice");
        using var bob = installation.Client("bob");
        await installation.Resources<ChunkJob>(alice, ChunkGateResources.Jobs).CreateAsync(OperatorInstallation.Job("read-customers", JobAction.Read));
        await installation.Resources<ChunkApproval>(bob, ChunkGateResources.Approvals).CreateAsync(new ChunkApproval
        {
            Metadata = new V1ObjectMeta { Name = "read-customers-bob", NamespaceProperty = OperatorInstallation.Namespace },
            Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = "read-customers" }, Ttl = Ttl, Reason = "OPS-7" },
        });
        var jobs = installation.Resources<ChunkJob>(installation.Admin, ChunkGateResources.Jobs);
        ChunkJob? job = null;
        await Eventually.TrueAsync(async () => (job = await jobs.GetAsync(OperatorInstallation.Namespace, "read-customers")).Status is { Phase: JobPhase.Running, Run.Pod: { } pod }
            && (await PodAsync(installation, pod))?.Status?.Phase == "Running", "the run Pod runs", Patience, TimeSpan.FromMilliseconds(100));
        var run = job!.Status!.Run!;
        var expiresAt = run.ExpiresAt!.Value;
        var secret = await installation.Admin.CoreV1.ReadNamespacedSecretAsync(run.Secret, OperatorInstallation.Namespace);

        // The job container's view: a session through the sidecar on localhost, a statement running.
        NpgsqlConnection? session = null;
        try
        {
            await Eventually.TrueAsync(async () => (session = await TryOpenThroughSidecarAsync(installation.Database)) is not null, "the sidecar listens",
                expiresAt - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        }
        catch (TimeoutException)
        {
            var pod = await PodAsync(installation, run.Pod!);
            var log = await installation.Admin.CoreV1.ReadNamespacedPodLogAsync(run.Pod, OperatorInstallation.Namespace, container: "sidecar");
            Assert.Fail($"the sidecar of {run.Pod} does not listen 5 s before expiry; Pod status {KubernetesJson.Serialize(pod?.Status)}; its log:\n{await new StreamReader(log).ReadToEndAsync()}");
        }

        await using (session)
        {
            await using (var whoami = new NpgsqlCommand("SELECT current_user", session))
            {
                (await whoami.ExecuteScalarAsync()).Should().Be(run.Role);
            }

            // No command timeout (Npgsql's default is 30 s): only the sidecar may end this statement.
            var statement = new NpgsqlCommand("SELECT pg_sleep(600)", session) { CommandTimeout = 0 }.ExecuteNonQueryAsync();
            await operatorProcess.StopAsync();
            operatorProcess.HasExited.Should().BeTrue();
            DateTimeOffset.UtcNow.Should().BeBefore(expiresAt, "the operator is down before the run expires (raise the TTL if this machine is slower)");

            // The sidecar ends its session at its own deadline (shortly before expiresAt), upstream too.
            var ended = await Task.WhenAny(statement, Task.Delay(expiresAt - DateTimeOffset.UtcNow + Patience));
            ended.Should().BeSameAs(statement, "the sidecar ends the statement at its deadline");
            var endedAt = DateTimeOffset.UtcNow;
            statement.IsFaulted.Should().BeTrue();
            endedAt.Should().BeCloseTo(expiresAt, TimeSpan.FromSeconds(2), "the session ends at the approval's expiry, not later");
        }

        await using var admin = new NpgsqlConnection(installation.Server.ConnectionStringFor(installation.Database));
        await admin.OpenAsync();
        await Eventually.TrueAsync(async () => await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = @role", run.Role!) == 0,
            "no backend of the run's role is left", Patience, TimeSpan.FromMilliseconds(100));

        // VALID UNTIL: the role still exists (nobody dropped it), but its password no longer logs in.
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > expiresAt, "the approval has expired", Patience);
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_roles WHERE rolname = @role", run.Role!)).Should().Be(1, "the operator is down: nothing dropped the role");
        var login = async () =>
        {
            await using var direct = new NpgsqlConnection(installation.RunSessionConnectionString(secret));
            await direct.OpenAsync();
        };
        (await login.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("28P01", "the role's VALID UNTIL has passed");

        // activeDeadlineSeconds: the kubelet fails the Pod.
        V1Pod? failed = null;
        await Eventually.TrueAsync(async () => (failed = await PodAsync(installation, run.Pod!))?.Status?.Phase == "Failed", "the kubelet ends the Pod at its deadline", Patience, TimeSpan.FromMilliseconds(100));
        failed!.Status.Reason.Should().Be("DeadlineExceeded");
        (await jobs.GetAsync(OperatorInstallation.Namespace, "read-customers")).Status!.Run!.FinishedAt.Should().BeNull("the operator is down: nobody recorded the end");

        // The operator, back, revokes the rest: role dropped, Pod and Secret deleted, the job Expired.
        await installation.StartOperatorAsync();
        await Eventually.TrueAsync(async () => (await jobs.GetAsync(OperatorInstallation.Namespace, "read-customers")).Status?.Phase == JobPhase.Expired,
            "the job is Expired", Patience, TimeSpan.FromMilliseconds(100));
        await Eventually.TrueAsync(async () => await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_roles WHERE rolname = @role", run.Role!) == 0,
            "the role is dropped", Patience, TimeSpan.FromMilliseconds(100));
        await Eventually.TrueAsync(async () => await PodAsync(installation, run.Pod!) is null
            && await installation.Admin.CoreV1.ReadNamespacedSecretAsync(run.Secret, OperatorInstallation.Namespace).OrNull() is null,
            "the Pod and Secret are deleted", Patience, TimeSpan.FromMilliseconds(100));
    }

    private static Task<V1Pod?> PodAsync(OperatorInstallation installation, string name) =>
        installation.Admin.CoreV1.ReadNamespacedPodAsync(name, OperatorInstallation.Namespace).OrNull();

    /// <summary>As the job container connects: PGHOST=127.0.0.1, PGPORT=6432, PGUSER=chunkgate, no password (the sidecar holds the credential).</summary>
    private static async Task<NpgsqlConnection?> TryOpenThroughSidecarAsync(string database)
    {
        var connection = new NpgsqlConnection($"Host=127.0.0.1;Port=6432;Username=chunkgate;Database={database};SSL Mode=Disable;Pooling=false;Timeout=5");
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (NpgsqlException)
        {
            await connection.DisposeAsync();
            return null;
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection admin, string sql, string role)
    {
        await using var command = new NpgsqlCommand(sql, admin);
        command.Parameters.AddWithValue("role", role);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
