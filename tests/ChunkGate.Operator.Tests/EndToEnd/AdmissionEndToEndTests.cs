using ChunkGate.Testing.Waiting;
using static ChunkGate.Operator.Tests.EndToEnd.AdmissionCluster;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// The admission rules as people meet them: kubectl with the demo users' tokens against the local
/// cluster, which calls the operator's webhooks. Denials are checked as kubectl prints them.
/// </summary>
[Category("LocalCluster")]
public sealed class AdmissionEndToEndTests
{
    private static AdmissionCluster cluster = null!;

    private static LocalCluster.Tests.Support.Kubectl Kubectl => cluster.Kubectl;

    [OneTimeSetUp]
    public async Task StartAsync() => cluster = await AdmissionCluster.StartAsync(TimeProvider.System);

    [OneTimeTearDown]
    public async Task StopAsync() => await cluster.DisposeAsync();

    [Test]
    public async Task Designer_CreatesAJob_AndIsStampedAsItsDesigner_EvenOverAForgedAnnotation()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        await Kubectl.As("alice").OkAsync("apply -f -", Job(ns, designerAnnotation: "dave"));

        (await Designer(ns)).Should().Be("alice");
    }

    [Test]
    public async Task Executor_CannotCreateAJob()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Job(ns));

        Denied(result, "creating", "chunkjobs.mutate.chunkgate.io",
            $"bob is not in a designer group of DataConnection {ns}/demo-db (chunkgate:designers) and cannot create {ns}/export-customers");
    }

    [Test]
    public async Task GitOps_WithoutTheDesignerAnnotation_IsDenied_AndWithIt_StampsTheNamedDesigner()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        var denied = await Kubectl.As("argocd").RunAsync("apply -f -", Job(ns));
        Denied(denied, "creating", "chunkjobs.mutate.chunkgate.io",
            $"{ArgoCd} applies jobs on a designer's behalf: add the annotation chunkgate.io/designer: <designer's user name> to {ns}/export-customers in git");

        await Kubectl.As("argocd").OkAsync("apply -f -", Job(ns, designerAnnotation: "alice"));
        (await Designer(ns)).Should().Be("alice");
    }

    [Test]
    public async Task TheDesignerStamp_CannotBeChanged_ButSurvivesAReplaceWithoutIt()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        await Kubectl.As("alice").OkAsync("create -f -", Job(ns));

        var result = await Kubectl.As("alice").RunAsync($"annotate chunkjob export-customers -n {ns} --overwrite chunkgate.io/designer=dave");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"chunkjobs.mutate.chunkgate.io\" denied the request: the chunkgate.io/designer annotation of {ns}/export-customers is set by ChunkGate when the job is created and cannot be changed");
        await Kubectl.As("alice").OkAsync($"annotate chunkjob export-customers -n {ns} chunkgate.io/designer-");
        (await Designer(ns)).Should().Be("alice");
    }

    [Test]
    public async Task AChangeOfTheConnectionsDesignerGroups_ReachesJobAdmission()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        // Admission now holds a copy of the connection's current version.
        await Kubectl.As("alice").OkAsync("apply -f -", Job(ns, name: "before"));

        await Kubectl.OkAsync($"patch dataconnection demo-db -n {ns} --type=merge -p '{{\"spec\":{{\"designerGroups\":[\"chunkgate:executors\"]}}}}'");

        LocalCluster.Tests.Support.KubectlResult? after = null;
        await Eventually.TrueAsync(
            async () => (after = await Kubectl.As("alice").RunAsync("apply --dry-run=server -f -", Job(ns, name: "after"))).ExitCode != 0,
            "alice's next job is judged by the connection's new designer groups", interval: TimeSpan.FromMilliseconds(200));
        Denied(after!, "creating", "chunkjobs.mutate.chunkgate.io",
            $"alice is not in a designer group of DataConnection {ns}/demo-db (chunkgate:executors) and cannot create {ns}/after");
    }

    [Test]
    public async Task AnotherDesigner_CannotChangeTheSpec()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        await Kubectl.As("argocd").OkAsync("create -f -", Job(ns, designerAnnotation: "dave"));

        var result = await Kubectl.As("alice").RunAsync($"patch chunkjob export-customers -n {ns} --type=merge -p '{{\"spec\":{{\"chunking\":{{\"chunkSize\":5}}}}}}'");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"chunkjobs.mutate.chunkgate.io\" denied the request: only dave, who designed {ns}/export-customers, may change its spec; alice may create a new ChunkJob instead");
    }

    [Test]
    public async Task AJobListingASystemCatalog_IsDeniedAtAdmission_BeforeAnyoneApprovesIt()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        var job = Job(ns).Replace("tables: [public.customers]", "tables: [public.customers, pg_catalog.pg_statistic]", StringComparison.Ordinal);

        var result = await Kubectl.As("alice").RunAsync("apply -f -", job);

        Denied(result, "creating", "chunkjobs.mutate.chunkgate.io",
            $"{ns}/export-customers is invalid: spec.tables[1]: table pg_catalog.pg_statistic is in pg_catalog, a system or ChunkGate schema; ChunkGate never grants on it");
    }

    [Test]
    public async Task AQueryNamingAMaskedTableWithItsSchema_IsAllowedWithAWarning()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        var result = await Kubectl.As("alice").OkAsync("apply -f -", Job(ns, query: "SELECT ssn FROM public.customers WHERE id >= $1 AND id < $2"));

        result.Error.Should().Contain("Warning: spec.query names the masked table public.customers with its schema");
    }

    [Test]
    public async Task Executor_Approves_AndIsStamped_WithTheJobsCurrentHash()
    {
        var ns = await JobByAliceAsync();

        await Kubectl.As("bob").OkAsync("apply -f -", Approval(ns, "a1", extra: "  approver: mallory"));

        var stamps = (await Kubectl.OkAsync($"get chunkapproval a1 -n {ns} -o jsonpath={{.spec.approver}}|{{.spec.approverGroups}}|{{.spec.jobSpecHash}}|{{.spec.expiresAt}}|{{.spec.jobUid}}")).Output.Split('|');
        stamps[0].Should().Be("bob");
        stamps[1].Should().Be("[\"chunkgate:executors\",\"system:authenticated\"]");
        stamps[2].Should().Be(await SpecHashAsync(ns));
        DateTimeOffset.Parse(stamps[3], System.Globalization.CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(10), TimeSpan.FromSeconds(30));
        stamps[4].Should().Be((await Kubectl.OkAsync($"get chunkjob export-customers -n {ns} -o jsonpath={{.metadata.uid}}")).Output).And.NotBeEmpty();
    }

    [Test]
    public async Task TheDesigner_CannotApproveTheirOwnJob()
    {
        var ns = await JobByAliceAsync();

        var result = await Kubectl.As("alice").RunAsync("apply -f -", Approval(ns, "a1"));

        Denied(result, "creating", "chunkapprovals.mutate.chunkgate.io", $"alice designed {ns}/export-customers and cannot approve it");
    }

    [Test]
    public async Task OneExecutor_CountsOnce()
    {
        var ns = await JobByAliceAsync();
        await Kubectl.As("bob").OkAsync("apply -f -", Approval(ns, "a1"));

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a2"));

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain($"admission webhook \"chunkapprovals.mutate.chunkgate.io\" denied the request: bob already approved the current spec of {ns}/export-customers (a1, until ");
        await Kubectl.As("carol").OkAsync("apply -f -", Approval(ns, "a3"));
    }

    [Test]
    public async Task AnApprovalBeingDeleted_DoesNotBlockItsApproversNextOne()
    {
        // A hostile probe: a finalizer holds a deleted approval in storage; it can never count
        // toward a run (the controller calls it withdrawn), so it must not block a new one either.
        var ns = await JobByAliceAsync();
        await Kubectl.As("bob").OkAsync("apply -f -", Approval(ns, "a1"));
        await Kubectl.As("bob").OkAsync($"patch chunkapproval a1 -n {ns} --type=merge -p '{{\"metadata\":{{\"finalizers\":[\"example.com/hold\"]}}}}'");
        await Kubectl.As("bob").OkAsync($"delete chunkapproval a1 -n {ns} --wait=false");

        await Eventually.TrueAsync(async () => (await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a2"))).ExitCode == 0,
            "bob approves again while a1 is held in deletion", TimeSpan.FromSeconds(20));
        await Kubectl.OkAsync($"patch chunkapproval a1 -n {ns} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'");
    }

    [Test]
    public async Task OneExecutor_CountsOnce_EvenWithCreatesAtTheSameInstant()
    {
        var ns = await JobByAliceAsync();

        var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Kubectl.As("bob").RunAsync("create -f -", Approval(ns, $"a{i}"))));

        results.Count(r => r.ExitCode == 0).Should().Be(1, string.Join("\n", results.Select(r => r.Output + r.Error)));
        results.Where(r => r.ExitCode != 0).Should().OnlyContain(r => r.Error.Contains($"bob already approved the current spec of {ns}/export-customers ("));
        (await Kubectl.OkAsync($"get chunkapprovals -n {ns} -o name")).Output.Trim().Split('\n').Should().HaveCount(1);
    }

    [Test]
    public async Task AFieldOfTheWrongType_IsDeniedWithASentenceNamingIt()
    {
        var ns = await JobByAliceAsync();

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a1", ttl: "5"));

        Denied(result, "creating", "chunkapprovals.mutate.chunkgate.io", $"ChunkApproval {ns}/a1 is invalid: spec.ttl must be a string, got 5");
    }

    [Test]
    public async Task AnApprovalOfAStaleHash_IsDenied()
    {
        var ns = await JobByAliceAsync();
        var stale = "sha256:" + new string('0', 64);

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a1", extra: $"  jobSpecHash: \"{stale}\""));

        Denied(result, "creating", "chunkapprovals.mutate.chunkgate.io",
            $"{ns}/export-customers changed since it was reviewed (reviewed {stale}, now {await SpecHashAsync(ns)}); review it again and approve the current spec");
    }

    [Test]
    public async Task ATtlAboveTheConnectionsCap_IsDenied()
    {
        var ns = await JobByAliceAsync();

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a1", ttl: "1h"));

        Denied(result, "creating", "chunkapprovals.mutate.chunkgate.io", $"ttl 1h is longer than the maxTTL of DataConnection {ns}/demo-db (15m)");
    }

    [Test]
    public async Task AnApprovalForAJobInAnotherNamespace_IsDenied()
    {
        var jobs = await JobByAliceAsync();
        var other = await cluster.NamespaceWithConnectionAsync();
        _ = jobs;

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(other, "a1"));

        Denied(result, "creating", "chunkapprovals.mutate.chunkgate.io", $"ChunkJob {other}/export-customers does not exist; an approval must name a job in its own namespace");
    }

    [TestCase("../../{0}/chunkjobs/export-customers")]
    [TestCase("export-customers/../export-customers")]
    [TestCase("export-customers?x=1")]
    public async Task AJobReferenceThatIsNoName_ReachesNoJob(string reference)
    {
        // A hostile probe's finding: the reference was a path in the lookup's URL and read a job in another namespace.
        var other = await JobByAliceAsync();
        var ns = await cluster.NamespaceWithConnectionAsync();

        var result = await Kubectl.As("bob").RunAsync("apply -f -", Approval(ns, "a1", job: $"\"{string.Format(System.Globalization.CultureInfo.InvariantCulture, reference, other)}\""));

        result.ExitCode.Should().Be(1, result.Error);
        result.Error.Should().Contain("does not exist").And.NotContain("jobSpecHash");
        (await Kubectl.RunAsync($"get chunkapproval a1 -n {ns}")).ExitCode.Should().Be(1, "nothing was stored");
    }

    [Test]
    public async Task AnApproval_CannotBeEdited_AndOnlyItsApproverTheDesignerOrAnAdminDeleteIt()
    {
        var ns = await JobByAliceAsync();
        await Kubectl.As("bob").OkAsync("apply -f -", Approval(ns, "a1"));

        var edit = await Kubectl.As("bob").RunAsync($"patch chunkapproval a1 -n {ns} --type=merge -p '{{\"spec\":{{\"ttl\":\"14m\"}}}}'");
        edit.ExitCode.Should().Be(1);
        edit.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"chunkapprovals.validate.chunkgate.io\" denied the request: ChunkApproval {ns}/a1 cannot be changed after it is created; delete it and create a new one");

        var byCarol = await Kubectl.As("carol").RunAsync($"delete chunkapproval a1 -n {ns}");
        byCarol.ExitCode.Should().Be(1);
        byCarol.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"chunkapprovals.validate.chunkgate.io\" denied the request: only bob, the job's designer or an admin may delete ChunkApproval {ns}/a1");

        await Kubectl.As("alice").OkAsync($"delete chunkapproval a1 -n {ns}");
    }

    [Test]
    public async Task Status_IsWrittenOnlyByTheOperator()
    {
        var ns = await JobByAliceAsync();
        var patch = $"patch chunkjob export-customers -n {ns} --subresource=status --type=merge -p '{{\"status\":{{\"phase\":\"Succeeded\"}}}}'";

        var byBob = await Kubectl.As("bob").RunAsync(patch);
        byBob.ExitCode.Should().Be(1);
        byBob.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"status.validate.chunkgate.io\" denied the request: only the ChunkGate operator may write the status of ChunkJob {ns}/export-customers; bob may not");
        var byAdmin = await Kubectl.RunAsync(patch);
        byAdmin.ExitCode.Should().Be(1);

        await Kubectl.As("operator").OkAsync(patch);
        (await Kubectl.OkAsync($"get chunkjob export-customers -n {ns} -o jsonpath={{.status.phase}}")).Output.Should().Be("Succeeded");
    }

    [Test]
    public async Task AnInvalidDataConnection_IsDenied()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        var result = await Kubectl.RunAsync($"patch dataconnection demo-db -n {ns} --type=merge -p '{{\"spec\":{{\"maxTTL\":\"48h\"}}}}'");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be(
            $"Error from server (Forbidden): admission webhook \"dataconnections.validate.chunkgate.io\" denied the request: DataConnection {ns}/demo-db is invalid: spec.maxTTL: must be at most 24h, got 48h");
    }

    [Test]
    public async Task OnlyAnAdmin_CreatesChangesOrDeletesADataConnection()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        var connection = (await Kubectl.OkAsync($"get dataconnection demo-db -n {ns} -o yaml")).Output.Replace("name: demo-db", "name: other-db", StringComparison.Ordinal);

        var create = await Kubectl.As("alice").RunAsync("create -f -", connection);
        var patch = await Kubectl.As("bob").RunAsync($"patch dataconnection demo-db -n {ns} --type=merge -p '{{\"spec\":{{\"executorGroups\":[\"everyone\"]}}}}'");
        var delete = await Kubectl.As("bob").RunAsync($"delete dataconnection demo-db -n {ns}");

        create.Error.Should().Contain($"admission webhook \"dataconnections.validate.chunkgate.io\" denied the request: only members of the admin groups (system:masters) may create DataConnection {ns}/other-db; alice is not");
        patch.Error.Trim().Should().Be($"Error from server (Forbidden): admission webhook \"dataconnections.validate.chunkgate.io\" denied the request: only members of the admin groups (system:masters) may change DataConnection {ns}/demo-db; bob is not");
        delete.Error.Trim().Should().Be($"Error from server (Forbidden): admission webhook \"dataconnections.validate.chunkgate.io\" denied the request: only members of the admin groups (system:masters) may delete DataConnection {ns}/demo-db; bob is not");
        await Kubectl.OkAsync($"delete dataconnection demo-db -n {ns}");
    }

    [Test]
    public async Task DryRunServer_IsDecidedTheSame_WithoutStoringAnything()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();

        var denied = await Kubectl.As("bob").RunAsync("apply --dry-run=server -f -", Job(ns));
        Denied(denied, "creating", "chunkjobs.mutate.chunkgate.io",
            $"bob is not in a designer group of DataConnection {ns}/demo-db (chunkgate:designers) and cannot create {ns}/export-customers");

        var allowed = await Kubectl.As("alice").OkAsync("apply --dry-run=server -o jsonpath={.metadata.annotations.chunkgate\\.io/designer} -f -", Job(ns, designerAnnotation: "dave"));
        allowed.Output.Should().Be("alice");
        (await Kubectl.RunAsync($"get chunkjob export-customers -n {ns}")).Error.Should().Contain("NotFound");
    }

    private static async Task<string> JobByAliceAsync()
    {
        var ns = await cluster.NamespaceWithConnectionAsync();
        await Kubectl.As("alice").OkAsync("apply -f -", Job(ns));
        return ns;
    }

    private static async Task<string> Designer(string ns) =>
        (await Kubectl.OkAsync($"get chunkjob export-customers -n {ns} -o jsonpath={{.metadata.annotations.chunkgate\\.io/designer}}")).Output;

    private static async Task<string> SpecHashAsync(string ns)
    {
        var spec = (await Kubectl.OkAsync($"get chunkjob export-customers -n {ns} -o jsonpath={{.spec}}")).Output;
        return ChunkGate.Api.Hashing.SpecHash.Compute(spec);
    }

    private static void Denied(LocalCluster.Tests.Support.KubectlResult result, string verb, string webhook, string message)
    {
        result.ExitCode.Should().Be(1, result.Error);
        result.Error.Trim().Should().Be($"Error from server (Forbidden): error when {verb} \"STDIN\": admission webhook \"{webhook}\" denied the request: {message}");
    }
}
