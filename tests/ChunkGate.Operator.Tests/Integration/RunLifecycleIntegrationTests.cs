using k8s;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// The controller end to end on the local cluster and a real PostgreSQL: approvals become a role,
/// a Secret and a run Pod; expiry, spec changes and deletion take them all away again.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class RunLifecycleIntegrationTests
{
    [Test]
    public async Task ApprovedJob_GetsRoleSecretAndPod_AndAtExpiry_LosesThemAll_WithItsOpenSessionEnded()
    {
        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.OperatorTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var world = await ControllerHarness.StartAsync("expiry");
        var job = await world.CreateJobAsync("export-customers");
        await world.WaitForJobAsync("export-customers", j => j.Status?.Phase == JobPhase.AwaitingApproval, "the job awaits approval");

        await world.ApproveAsync(job, "bob", ttl: "10m");
        var running = await world.WaitForJobAsync("export-customers", j => j.Status?.Phase == JobPhase.Running && j.Status.Run?.Pod is not null, "the job runs");

        var run = running.Status!.Run!;
        run.Id.Should().Be("r1");
        running.Status.Approvers.Should().Be("bob");
        running.Status.Approval!.ExpiresAt.Should().Be(run.ExpiresAt);
        running.Status.ObservedGeneration.Should().Be(running.Metadata.Generation);
        running.Metadata.Finalizers.Should().Contain("chunkgate.io/revoke-credentials");
        // The run is recorded before its credential exists; the role and Secret follow.
        await Eventually.TrueAsync(async () => await world.SecretAsync(run.Secret!) is not null, "the run Secret exists", ControllerHarness.Patience);
        (await world.RoleExistsAsync(run.Role!)).Should().BeTrue();
        V1SecretOrFail(await world.SecretAsync(run.Secret!));
        var secret = (await world.SecretAsync(run.Secret!))!;
        await Eventually.TrueAsync(async () => (await world.PodAsync(run.Pod!))?.Status?.Phase == "Running", "the run Pod runs", ControllerHarness.Patience);
        var pod = (await world.PodAsync(run.Pod!))!;
        pod.Spec.ActiveDeadlineSeconds.Should().Be((long)Math.Floor((run.ExpiresAt!.Value - world.Clock.GetUtcNow()).TotalSeconds), "the Pod ends at the approval's expiry (the controller's clock has not moved)");
        (await world.Approvals.GetAsync(world.Namespace, "export-customers-bob")).Status!.Should().Match<ChunkApprovalStatus>(s => s.Phase == ApprovalPhase.Consumed && s.ConsumedBy == "r1");

        // The role works (as the sidecar would use it) and holds a session open into the expiry.
        await using var session = await world.OpenRunSessionAsync(secret);
        await using (var probe = new NpgsqlCommand("SELECT count(*) FROM shop.orders_that_do_not_exist", session))
        {
            // Not granted on anything unlisted: the credential is scoped.
            await FluentActions.Awaiting(() => probe.ExecuteScalarAsync()).Should().ThrowAsync<PostgresException>();
        }

        await using (var raw = new NpgsqlCommand("SELECT ssn FROM shop.customers WHERE id = 1", session))
        {
            // The connection's masking rules were in the database before the role was granted (rule 6a).
            (await FluentActions.Awaiting(() => raw.ExecuteScalarAsync()).Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("42501");
        }

        await using (var granted = new NpgsqlCommand("SELECT count(*) FROM shop.customers WHERE id < 11", session))
        {
            (await granted.ExecuteScalarAsync()).Should().Be(10L, "the listed table's unmasked columns are readable");
        }

        world.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        var expired = await world.WaitForJobAsync("export-customers", j => j.Status?.Phase == JobPhase.Expired, "the job expires");
        expired.Status!.Run!.FinishedAt.Should().NotBeNull();
        expired.Status.Run.Outcome.Should().Be("Expired");
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse("the role is dropped at expiry");
        await using (var after = new NpgsqlCommand("SELECT 1", session))
        {
            await FluentActions.Awaiting(() => after.ExecuteScalarAsync()).Should().ThrowAsync<Exception>("its open session was terminated");
        }

        await Eventually.TrueAsync(async () => await world.PodAsync(run.Pod!) is null, "the run Pod is deleted", ControllerHarness.Patience);
        (await world.SecretAsync(run.Secret!)).Should().BeNull("the run Secret is deleted");

        var events = await world.EventsAsync("export-customers");
        events.Select(e => e.Reason).Should().Contain(["ApprovalAccepted", "CredentialsIssued", "RunStarted", "ApprovalExpired", "CredentialsRevoked"]);
        events.Single(e => e.Reason == "CredentialsRevoked").Message.Should().Contain("1 session(s) ended");
        events.Should().NotContain(e => e.Message.Contains(System.Text.Encoding.UTF8.GetString(secret.Data["password"]), StringComparison.Ordinal), "no Event carries the password");

        // One trace per run: issue, Pod and revocation are spans of the trace the Pod got as TRACEPARENT.
        var traceId = run.TraceParent!.Split('-')[1];
        spans.Where(a => a.TraceId.ToHexString() == traceId).Select(a => a.OperationName).Should()
            .Contain(["chunkgate.credential.issue", "chunkgate.run.pod", "chunkgate.credential.revoke"]);
        pod.Spec.Containers.Single().Env.Should().Contain(e => e.Name == "TRACEPARENT" && e.Value == run.TraceParent);

        // One approval, one run: nothing starts again without a new approval.
        world.Clock.Advance(TimeSpan.FromSeconds(5));
        (await world.JobAsync("export-customers")).Status!.RunsStarted.Should().Be(1);
    }

    [Test]
    public async Task SpecChangeMidRun_RevokesAtOnce_AndVoidsTheApproval()
    {
        await using var world = await ControllerHarness.StartAsync("specchange");
        var job = await world.CreateJobAsync("nightly");
        await world.ApproveAsync(job, "bob");
        var run = await RunningAsync(world, "nightly");

        var current = await world.JobAsync("nightly");
        current.Spec.Chunking.ChunkSize = 25;
        await world.Jobs.ReplaceAsync(current);

        var after = await world.WaitForJobAsync("nightly", j => j.Status?.Run?.FinishedAt is not null, "the run ends");
        after.Status!.Phase.Should().Be(JobPhase.AwaitingApproval);
        after.Status.Run!.Outcome.Should().Be("SpecChanged");
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse();
        (await world.SecretAsync(run.Secret!)).Should().BeNull();
        await Eventually.TrueAsync(async () => await world.PodAsync(run.Pod!) is null, "the run Pod is deleted", ControllerHarness.Patience);
        (await world.Approvals.GetAsync(world.Namespace, "nightly-bob")).Status!.Phase.Should().Be(ApprovalPhase.Voided);
        (await world.EventsAsync("nightly")).Select(e => e.Reason).Should().Contain(["SpecChangedApprovalsVoided", "CredentialsRevoked"]);
    }

    [Test]
    public async Task AdminSecretDeletedMidRun_TheRunIsStillRevokedAtExpiry()
    {
        // A hostile probe's finding: with the admin Secret deleted, revocation stopped and an open session read on past expiry.
        await using var world = await ControllerHarness.StartAsync("adminsecret");
        var job = await world.CreateJobAsync("orphaned");
        await world.ApproveAsync(job, "bob", ttl: "10m");
        var run = await RunningAsync(world, "orphaned");
        var secret = (await world.SecretAsync(run.Secret!))!;
        await using var session = await world.OpenRunSessionAsync(secret);

        await world.Client.CoreV1.DeleteNamespacedSecretAsync("shop-db-admin", world.Namespace);
        world.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        await world.WaitForJobAsync("orphaned", j => j.Status?.Phase == JobPhase.Expired, "the job expires");
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse("the role is dropped with the admin access built before the Secret went");
        await using var after = new NpgsqlCommand("SELECT 1", session);
        await FluentActions.Awaiting(() => after.ExecuteScalarAsync()).Should().ThrowAsync<Exception>("the open session was terminated");
    }

    [Test]
    public async Task ARoleTheBrokerCannotDrop_StillEndsTheRun_WithAWarning()
    {
        // A hostile probe's finding: a role that left an object where revocation could not clean
        // it up failed every revocation, and the run, its Pod and its Secret stayed, with no Event.
        await using var world = await ControllerHarness.StartAsync("undroppable");
        var job = await world.CreateJobAsync("stuck");
        await world.ApproveAsync(job, "bob", ttl: "10m");
        var run = await RunningAsync(world, "stuck");
        var other = await world.Server.CreateDatabaseAsync("unreachable");
        await using (var elsewhere = new NpgsqlConnection(world.Server.ConnectionStringFor(other)))
        {
            await elsewhere.OpenAsync();
            await new NpgsqlCommand($"CREATE TABLE kept (id int); ALTER TABLE kept OWNER TO \"{run.Role}\"", elsewhere).ExecuteNonQueryAsync();
        }

        await AdminAsync(world, $"ALTER DATABASE \"{other}\" ALLOW_CONNECTIONS false");
        try
        {
            world.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

            await world.WaitForJobAsync("stuck", j => j.Status?.Phase == JobPhase.Expired, "the run ends all the same");
            (await world.SecretAsync(run.Secret!)).Should().BeNull("the Secret with the password goes");
            await Eventually.TrueAsync(async () => await world.PodAsync(run.Pod!) is null, "the run Pod is deleted", ControllerHarness.Patience);
            var warning = (await world.EventsAsync("stuck")).Should().ContainSingle(e => e.Reason == "CredentialsNotRevoked").Which;
            warning.Type.Should().Be("Warning");
            warning.Message.Should().Contain(run.Role).And.Contain($"left in database {other}");
            (await world.RoleExistsAsync(run.Role!)).Should().BeTrue("the ledger keeps it for the sweep");
        }
        finally
        {
            await AdminAsync(world, $"ALTER DATABASE \"{other}\" ALLOW_CONNECTIONS true");
            await AdminAsync(world, $"DROP DATABASE \"{other}\" WITH (FORCE)");
        }
    }

    private static async Task AdminAsync(ControllerHarness world, string sql)
    {
        await using var admin = new NpgsqlConnection(world.Server.ConnectionStringFor(world.Database));
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task JobDeletedMidRun_RevokesBeforeTheJobGoes()
    {
        await using var world = await ControllerHarness.StartAsync("deletion");
        var job = await world.CreateJobAsync("to-delete");
        await world.ApproveAsync(job, "bob");
        var run = await RunningAsync(world, "to-delete");

        await world.Jobs.DeleteAsync(world.Namespace, "to-delete");

        await Eventually.TrueAsync(async () => await world.Jobs.TryGetAsync(world.Namespace, "to-delete") is null, "the job is gone once its finalizer is released", ControllerHarness.Patience);
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse("the role was revoked before the finalizer went");
        (await world.SecretAsync(run.Secret!)).Should().BeNull();
    }

    [Test]
    public async Task ApprovalDeletedMidRun_RevokesAtOnce()
    {
        await using var world = await ControllerHarness.StartAsync("withdrawn");
        var job = await world.CreateJobAsync("withdrawn");
        await world.ApproveAsync(job, "bob");
        var run = await RunningAsync(world, "withdrawn");

        await world.Approvals.DeleteAsync(world.Namespace, "withdrawn-bob");

        var after = await world.WaitForJobAsync("withdrawn", j => j.Status?.Run?.FinishedAt is not null, "the run ends");
        after.Status!.Run!.Outcome.Should().Be("ApprovalWithdrawn");
        (await world.RoleExistsAsync(run.Role!)).Should().BeFalse();
    }

    [Test]
    public async Task TheDesignersOwnApproval_IsRejectedWithWhy_AndNothingRuns()
    {
        await using var world = await ControllerHarness.StartAsync("selfapproval");
        var job = await world.CreateJobAsync("mine", designer: "alice");

        await world.ApproveAsync(job, "alice");

        await Eventually.TrueAsync(async () => (await world.EventsAsync("mine-alice")).Any(e => e.Reason == "ApprovalRejected"), "the approval is rejected", ControllerHarness.Patience);
        (await world.EventsAsync("mine-alice")).Single(e => e.Reason == "ApprovalRejected").Message.Should().Contain("alice designed").And.Contain("cannot approve it");
        // The job's and the approval's status may be written after the Event is seen (NullReferenceException under load).
        await Eventually.TrueAsync(async () => (await world.JobAsync("mine")).Status?.Phase is not null, "the job has a phase", ControllerHarness.Patience);
        var status = (await world.JobAsync("mine")).Status!;
        status.Phase.Should().Be(JobPhase.AwaitingApproval);
        status.RunsStarted.Should().BeNull();
        await Eventually.TrueAsync(async () => (await world.Approvals.GetAsync(world.Namespace, "mine-alice")).Status?.Conditions?.Count > 0, "the approval has conditions", ControllerHarness.Patience);
        (await world.Approvals.GetAsync(world.Namespace, "mine-alice")).Status!.Conditions.Should().ContainSingle(c => c.Reason == "ByDesigner");
    }

    [Test]
    public async Task AJobWithoutTheWebhooksDesignerStamp_NeverRuns()
    {
        await using var world = await ControllerHarness.StartAsync("unstamped");
        var job = await world.CreateJobAsync("unstamped", designer: null);

        await world.ApproveAsync(job, "bob");

        await Eventually.TrueAsync(async () => (await world.EventsAsync("unstamped-bob")).Any(e => e.Reason == "ApprovalRejected"), "the approval is rejected", ControllerHarness.Patience);
        (await world.JobAsync("unstamped")).Status?.Run.Should().BeNull("no run is recorded (the job may have no status yet when the rejection is seen)");
    }

    [Test]
    public async Task AFinishedRun_EndsWithSucceeded_AndRevokes()
    {
        await using var world = await ControllerHarness.StartAsync("finishes", ControllerCluster.FinishingRunner);
        var job = await world.CreateJobAsync("quick");
        await world.ApproveAsync(job, "bob");

        var done = await world.WaitForJobAsync("quick", j => j.Status?.Phase == JobPhase.Succeeded, "the run succeeds");

        done.Status!.Run!.Outcome.Should().Be("Succeeded");
        (await world.RoleExistsAsync(done.Status.Run.Role!)).Should().BeFalse();
        (await world.EventsAsync("quick")).Select(e => e.Reason).Should().Contain(["RunStarted", "RunSucceeded", "CredentialsRevoked"]);
    }

    internal static async Task<Api.Jobs.RunStatus> RunningAsync(ControllerHarness world, string job)
    {
        var running = await world.WaitForJobAsync(job, j => j.Status?.Phase == JobPhase.Running && j.Status.Run?.Secret is not null, "the job runs");
        var run = running.Status!.Run!;
        await Eventually.TrueAsync(async () => await world.SecretAsync(run.Secret!) is not null && await world.PodAsync(run.Pod!) is not null,
            "the run's Secret and Pod exist", ControllerHarness.Patience);
        (await world.RoleExistsAsync(run.Role!)).Should().BeTrue();
        return run;
    }

    private static void V1SecretOrFail(k8s.Models.V1Secret? secret)
    {
        secret.Should().NotBeNull("the run's Secret exists");
        secret!.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "ChunkJob" && o.Controller == true);
        secret.Data.Keys.Should().Contain([RunSecretBuilder.ConfigKey, RunSecretBuilder.PasswordKey, RunSecretBuilder.UsernameKey, RunSecretBuilder.MaskingKeyKey]);
    }
}
