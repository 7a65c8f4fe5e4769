using System.Text.Json.Nodes;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Kubectl.Tests.EndToEnd;

/// <summary>
/// <c>kubectl chunk</c> as people run it: the real kubectl finds the plugin on the PATH, each demo
/// user (alice designs, bob and carol execute) with their own context, against the local cluster,
/// the operator's webhooks and controller, and PostgreSQL.
/// </summary>
[Category("LocalCluster")]
[Category("PostgreSQL")]
public sealed class PluginTests
{
    [Test]
    public async Task Pending_ShowsEachUserTheJobsTheyMayApprove()
    {
        var ns = await DemoNamespace.CreateAsync(requiredApprovals: 2);
        await ns.ApplyJobAsync("export-customers");
        await ns.ApplyJobAsync("finance-export", connection: "finance-db");

        var bob = await ns.Chunk("bob", "pending");
        bob.ExitCode.Should().Be(0, bob.ToString());
        var lines = bob.Output.TrimEnd('\n').Split('\n');
        lines[0].Should().MatchRegex(@"^NAME\s{3,}ACTION\s{3,}CONNECTION\s{3,}DESIGNER\s{3,}APPROVALS\s{3,}SPEC HASH\s{3,}AGE$");
        lines.Should().HaveCount(2, "finance-db's executors are a group bob is not in");
        lines[1].Should().MatchRegex(@"^export-customers\s{3,}export\s{3,}demo-db\s{3,}alice\s{3,}0/2\s{3,}sha256:[0-9a-f]{12}\s{3,}\d+[sm]$");
        lines[0].IndexOf("APPROVALS", StringComparison.Ordinal).Should().Be(lines[1].IndexOf("0/2", StringComparison.Ordinal), "columns are aligned");
        bob.Output.Should().NotContain("\e[", "stdout is not a terminal: no colour");

        var alice = await ns.Chunk("alice", "pending");
        alice.ExitCode.Should().Be(0, alice.ToString());
        alice.Output.Should().BeEmpty("alice designed both jobs");
        alice.Error.Should().Contain($"No jobs in namespace {ns.Name} await an approval from alice.");

        (await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-1")).ExitCode.Should().Be(0);
        (await ns.Chunk("bob", "pending")).Output.Should().BeEmpty("bob approved the current spec already");

        var carol = await ns.Chunk("carol", "pending", "-o", "json");
        carol.ExitCode.Should().Be(0, carol.ToString());
        var document = JsonNode.Parse(carol.Output)!;
        document["user"]!.GetValue<string>().Should().Be("carol", "the user is who the cluster says (SelfSubjectReview)");
        var pending = document["pending"]!.AsArray().Single()!;
        pending["name"]!.GetValue<string>().Should().Be("export-customers");
        pending["approvals"]!.GetValue<int>().Should().Be(1);
        pending["requiredApprovals"]!.GetValue<int>().Should().Be(2);

        var yaml = await ns.Chunk("carol", "pending", "-o", "yaml");
        yaml.Output.Should().Contain("user: carol").And.Contain("- namespace: " + ns.Name).And.Contain("  name: export-customers");

        var onTerminal = await PluginCluster.Current.ChunkOnTerminal("carol", noColour: false, "pending", "-n", ns.Name);
        onTerminal.Output.Should().Contain("\e[32m1/2\e[0m", "on a terminal the approvals count is coloured");
        var noColour = await PluginCluster.Current.ChunkOnTerminal("carol", noColour: true, "pending", "-n", ns.Name);
        // .NET itself switches the terminal's keypad mode (\e[?1h); colours are \e[<n>m.
        noColour.Output.Should().Contain("export-customers").And.NotMatchRegex(@"\e\[[0-9;]*m", "NO_COLOR is honoured");

        var everywhere = await PluginCluster.Current.Chunk("carol", "pending", "-A");
        everywhere.Output.Split('\n')[0].Should().StartWith("NAMESPACE");
        everywhere.Output.Should().MatchRegex($@"\n{ns.Name}\s{{3,}}export-customers\s");
    }

    [Test]
    public async Task Approve_ByTheDesigner_IsRefused_WithTheWebhooksSentence()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync();

        var result = await ns.Chunk("alice", "approve", "export-customers", "--ttl", "10m", "--reason", "my own");

        result.ExitCode.Should().Be(3, result.ToString());
        result.Error.Should().StartWith("Error from server (Forbidden): admission webhook ")
            .And.Contain($"denied the request: alice designed {ns.Name}/export-customers and cannot approve it");
        (await ns.ApprovalNamesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Approve_OfAStaleSpecHash_IsRefused_AndTheCurrentOneIsApproved()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync(chunkSize: 5);
        var reviewed = JsonNode.Parse((await ns.Chunk("bob", "show", "export-customers", "-o", "json")).Output)!["specHash"]!.GetValue<string>();

        await ns.ApplyJobAsync(chunkSize: 7);
        var stale = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "5m", "--reason", "FIN-2", "--spec-hash", reviewed);

        stale.ExitCode.Should().Be(3, stale.ToString());
        stale.Output.Should().Contain($"Approving {ns.Name}/export-customers spec {reviewed}");
        stale.Error.Should().Contain($"{ns.Name}/export-customers changed since it was reviewed (reviewed {reviewed}, now sha256:");
        (await ns.ApprovalNamesAsync()).Should().BeEmpty();

        var current = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "5m", "--reason", "FIN-2");
        current.ExitCode.Should().Be(0, current.ToString());
        var name = (await ns.ApprovalNamesAsync()).Single().Split('/')[1];
        var approval = await ns.GetAsync("chunkapproval", name);
        var hash = approval["spec"]!["jobSpecHash"]!.GetValue<string>();
        hash.Should().NotBe(reviewed);
        current.Output.Should().Contain($"spec {hash}").And.Contain($"chunkapproval.chunkgate.io/{name} created: approved by bob until ");
        approval["spec"]!["approver"]!.GetValue<string>().Should().Be("bob");
    }

    [Test]
    public async Task AJobDeletedAndCreatedAgain_IsApprovedAfresh_AndShowCountsOnlyItsOwnApprovals()
    {
        // Two approvals needed, so bob's first one stays live (a run would consume it).
        var ns = await DemoNamespace.CreateAsync(requiredApprovals: 2);
        await ns.ApplyJobAsync();
        (await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-5")).ExitCode.Should().Be(0);
        var earlier = (await ns.ApprovalNamesAsync()).Single();

        // Orphaned on purpose: the approval outlives its job, as one made before approvals were owned by their jobs does.
        var deleted = await ns.Cluster.Kubectl("admin", "-n", ns.Name, "delete", "chunkjob", "export-customers", "--cascade=orphan");
        deleted.ExitCode.Should().Be(0, deleted.ToString());
        await ns.ApplyJobAsync();

        var again = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-5");

        again.ExitCode.Should().Be(0, again.ToString());
        var current = (await ns.ApprovalNamesAsync()).Single(name => name != earlier);
        var review = JsonNode.Parse((await ns.Chunk("bob", "show", "export-customers", "-o", "json")).Output)!;
        var standing = review["approvals"]!.AsArray().ToDictionary(a => "chunkapproval.chunkgate.io/" + a!["name"]!.GetValue<string>(), a => a!["state"]!.GetValue<string>());
        standing.Where(a => a.Value == "current").Select(a => a.Key).Should().Equal([current], "only the approval of the job as it exists now counts");
        standing[earlier].Should().StartWith("stale: approves an earlier ChunkJob of this name (uid ");
        (await ns.Chunk("bob", "show", "export-customers")).Output.Should().Contain("stale: approves an earlier ChunkJob of this name");

        // Deleted the usual way, the job takes its approvals with it (owner references, garbage collection).
        var job = await ns.GetAsync("chunkjob", "export-customers");
        var owners = (await ns.GetAsync("chunkapproval", current.Split('/')[1]))["metadata"]!["ownerReferences"]?.ToJsonString();
        owners.Should().Be($$"""[{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","name":"export-customers","uid":"{{job["metadata"]!["uid"]}}"}]""");
        (await ns.Cluster.Kubectl("admin", "-n", ns.Name, "delete", "chunkjob", "export-customers")).ExitCode.Should().Be(0);
        await Eventually.TrueAsync(async () => !(await ns.ApprovalNamesAsync()).Contains(current), "the deleted job's approval is garbage-collected",
            DemoNamespace.Patience, TimeSpan.FromMilliseconds(250));
        (await ns.ApprovalNamesAsync()).Should().Equal([earlier], "an orphaned approval is left alone");
    }

    [Test]
    public async Task ApproveWait_ShowsTheRun_UntilItEnds()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync(runnerImage: PluginCluster.FinishingRunner);

        var result = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-3", "--wait", "--timeout", "100s");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Output.Should().Contain("run r1 running: ").And.EndWith("run r1 ended: Succeeded\n");
        (await ns.GetAsync("chunkjob", "export-customers"))["status"]!["phase"]!.GetValue<string>().Should().Be("Succeeded");
    }

    [Test]
    public async Task Revoke_EndsTheLiveRun_OnlyForThoseAllowed_AndHistoryTellsItInOrder()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync();
        (await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-4")).ExitCode.Should().Be(0);
        await ns.WaitForJobAsync("export-customers", j => j["status"]?["phase"]?.GetValue<string>() == "Running" && j["status"]?["run"]?["pod"] is not null, "the job runs");

        var carol = await ns.Chunk("carol", "revoke", "export-customers");
        carol.ExitCode.Should().Be(3, carol.ToString());
        carol.Error.Should().Contain("only bob, the job's designer or an admin may delete ChunkApproval");

        var bob = await ns.Chunk("bob", "revoke", "export-customers", "--wait", "--timeout", "90s");
        bob.ExitCode.Should().Be(0, bob.ToString());
        bob.Output.Should().StartWith($"Revoking run r1 of {ns.Name}/export-customers").And.Contain("run r1 ended: ApprovalWithdrawn");
        var job = await ns.GetAsync("chunkjob", "export-customers");
        job["status"]!["run"]!["outcome"]!.GetValue<string>().Should().Be("ApprovalWithdrawn");
        (await ns.Chunk("bob", "revoke", "export-customers")).Output.Should().StartWith("Nothing to revoke");

        // An Event written through events.k8s.io/v1 (the same stored Events as core/v1): shown once.
        var recorded = await PluginCluster.Current.KubectlWithInput("admin", $$"""
            apiVersion: events.k8s.io/v1
            kind: Event
            metadata: {name: export-customers.manual, namespace: {{ns.Name}}}
            regarding: {apiVersion: chunkgate.io/v1alpha1, kind: ChunkJob, name: export-customers, namespace: {{ns.Name}}}
            eventTime: "{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.ffffffZ}}"
            reportingController: chunkgate.io/audit
            reportingInstance: test
            action: Review
            reason: ManualAudit
            note: reviewed by the auditor
            type: Normal
            """, "create", "-f", "-");
        recorded.ExitCode.Should().Be(0, recorded.ToString());

        var history = await ns.Chunk("bob", "history", "export-customers", "-o", "json");
        history.ExitCode.Should().Be(0, history.ToString());
        var entries = JsonNode.Parse(history.Output)!["entries"]!.AsArray().Select(e => e!).ToList();
        entries.Select(e => e["time"]!.GetValue<DateTimeOffset>()).Should().BeInAscendingOrder();
        var reasons = entries.Select(e => $"{e["source"]} {e["reason"]}").ToList();
        reasons[0].Should().Be("status Created");
        reasons.Should().ContainInOrder("event ApprovalAccepted", "event RunStarted", "event RunRevokedApprovalWithdrawn", "event ManualAudit");
        reasons.Should().Contain(["status RunStarted", "status RunEnded", "event CredentialsRevoked"]);
        reasons.Should().NotContain("status Approved", "revoking deleted the approval; its Events stay (found by the name the run recorded)");
        entries.Should().Contain(e => e["object"]!.GetValue<string>().StartsWith("ChunkApproval/export-customers-", StringComparison.Ordinal)
            && e["reason"]!.GetValue<string>() == "ApprovalAccepted");
        reasons.Count(r => r == "event ManualAudit").Should().Be(1);
        entries.Single(e => e["reason"]!.GetValue<string>() == "Created")["message"]!.GetValue<string>().Should().Be("created by alice");

        var table = await ns.Chunk("bob", "history", "export-customers");
        table.Output.Split('\n')[0].Should().MatchRegex(@"^TIME\s{3,}RUN\s{3,}SOURCE\s{3,}TYPE\s{3,}OBJECT\s{3,}REASON\s{3,}MESSAGE$");
        table.Output.Should().MatchRegex(@"\n\S+Z\s{3,}r1\s{3,}event\s{3,}Warning\s{3,}ChunkJob/export-customers\s{3,}RunRevokedApprovalWithdrawn\s{3,}run r1 is revoked");
    }

    [Test]
    public async Task History_TellsEveryRun_OldestFirst_EachLineWithItsRun()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync(runnerImage: PluginCluster.FinishingRunner);
        foreach (var ticket in new[] { "FIN-6", "FIN-7" })
        {
            var run = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", ticket, "--wait", "--timeout", "100s");
            run.ExitCode.Should().Be(0, run.ToString());
        }

        var history = await ns.Chunk("bob", "history", "export-customers", "-o", "json");

        history.ExitCode.Should().Be(0, history.ToString());
        var entries = JsonNode.Parse(history.Output)!["entries"]!.AsArray().Select(e => e!).ToList();
        entries.Select(e => e["time"]!.GetValue<DateTimeOffset>()).Should().BeInAscendingOrder();
        var lines = entries.Select(e => $"{e["run"]?.GetValue<string>() ?? "-"} {e["source"]} {e["reason"]}").ToList();
        lines.Should().ContainInOrder(
            "- status Created",
            "r1 status Approved", "r1 event RunStarted", "r1 event CredentialsRevoked",
            "r2 status Approved", "r2 event RunStarted", "r2 event CredentialsRevoked");
        lines.Should().Contain("r2 status RunEnded", "status keeps the latest run; earlier runs are told by their Events and approvals");
        entries.Where(e => e["reason"]!.GetValue<string>() == "Approved").Select(e => e["message"]!.GetValue<string>()).Should()
            .SatisfyRespectively(first => first.Should().EndWith(": FIN-6"), second => second.Should().EndWith(": FIN-7"));

        var table = await ns.Chunk("bob", "history", "export-customers");
        table.Output.Should().MatchRegex(@"\n\S+Z\s{3,}r1\s{3,}event\s{3,}Normal\s{3,}ChunkJob/export-customers\s{3,}RunStarted\s{3,}run r1 started")
            .And.MatchRegex(@"\n\S+Z\s{3,}r2\s{3,}event\s{3,}Normal\s{3,}ChunkJob/export-customers\s{3,}RunStarted\s{3,}run r2 started");
    }

    [Test]
    public async Task Replay_ShowsTheRecordingTheOperatorKept_AsATimeline_AndRefusesAnyOther()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync(runnerImage: PluginCluster.FinishingRunner);

        // alice (who may create ConfigMaps here) plants recordings under run names first, dressed as the operator's.
        (await PlantRecordingAsync(ns, "export-customers-r1-recording", "r1")).ExitCode.Should().Be(0);
        (await PlantRecordingAsync(ns, "export-customers-r7-recording", "r7")).ExitCode.Should().Be(0);
        var approved = await ns.Chunk("bob", "approve", "export-customers", "--ttl", "10m", "--reason", "FIN-9", "--wait", "--timeout", "100s");
        approved.ExitCode.Should().Be(0, approved.ToString());
        await ns.WaitForJobAsync("export-customers", j => j["status"]?["recordings"]?.AsArray().Count == 1, "the operator records the recording it kept");

        var replay = await ns.Chunk("bob", "replay", "export-customers", "--run", "1");

        replay.ExitCode.Should().Be(0, replay.ToString());
        replay.Output.Should().NotContain("forged");
        replay.Output.Split('\n').Should().ContainInOrder(
            $"Recording of {ns.Name}/export-customers run r1 (ConfigMap export-customers-r1-recording)",
            "10:00:00.000  (+   0.000s)  [1] session started  user=chunkgate  database=demo  action=export",
            "10:00:00.250  (+   0.250s)  [1] #1 simple  SELECT id, ssn FROM customers",
            "10:00:00.260  (+   0.260s)  [1] #1 columns: id, ssn [last4]",
            "10:00:00.300  (+   0.300s)  [1] #1 done: SELECT 20  · 12.5 ms · 20 rows · 480 B · 20 masked");

        var json = await ns.Chunk("bob", "replay", "export-customers", "--run", "r1", "-o", "json");
        var events = JsonNode.Parse(json.Output)!["events"]!.AsArray();
        events.Should().HaveCount(5);
        (await ns.Chunk("bob", "replay", "export-customers", "-o", "yaml")).Output.Should().Contain("- time: \"2026-11-30T10:00:00.000Z\"\n  event: session.start\n", "the latest run by default");

        var planted = await ns.Chunk("bob", "replay", "export-customers", "--run", "7");
        planted.ExitCode.Should().Be(4, planted.ToString());
        planted.Output.Should().BeEmpty();
        planted.Error.Should().Be($"error: refusing to show ConfigMap {ns.Name}/export-customers-r7-recording: the job's status records no recording kept by the operator for this run, so it was not made by the operator\n");

        // The kept recording deleted and planted again under its name: another uid.
        (await PluginCluster.Current.Kubectl("alice", "delete", "configmap", "export-customers-r1-recording", "-n", ns.Name)).ExitCode.Should().Be(0);
        (await PlantRecordingAsync(ns, "export-customers-r1-recording", "r1")).ExitCode.Should().Be(0);
        var replaced = await ns.Chunk("bob", "replay", "export-customers", "--run", "1", "-o", "json");
        replaced.ExitCode.Should().Be(4, replaced.ToString());
        replaced.Output.Should().BeEmpty();
        replaced.Error.Should().MatchRegex($@"^error: refusing to show ConfigMap {ns.Name}/export-customers-r1-recording: its uid \S+ is not \S+, the one the operator recorded in the job's status, so it was not made by the operator\n$");

        var missing = await ns.Chunk("bob", "replay", "export-customers", "--run", "3");
        missing.ExitCode.Should().Be(4, missing.ToString());
        missing.Error.Should().Be($"error: no recording of run r3 of {ns.Name}/export-customers: ConfigMap export-customers-r3-recording not found (the operator stores it when the run ends)\n");
    }

    [Test]
    public async Task Replay_OfAJobThatHasNotRun_SaysSo()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync();

        var notRun = await ns.Chunk("bob", "replay", "export-customers");

        notRun.ExitCode.Should().Be(4);
        notRun.Error.Should().Contain("has not run yet");
    }

    /// <summary>alice creates a recording ConfigMap with the operator's labels and a forged session.</summary>
    private static Task<ProcessResult> PlantRecordingAsync(DemoNamespace ns, string name, string run)
    {
        var configMap = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns.Name, ["labels"] = new JsonObject { ["chunkgate.io/job"] = "export-customers", ["chunkgate.io/run"] = run } },
            ["data"] = new JsonObject { ["recording.jsonl"] = """{"time":"2026-11-30T09:00:00.000Z","event":"session.start","session":1,"user":"forged","database":"demo","action":"export"}""" },
        };
        return PluginCluster.Current.KubectlWithInput("alice", configMap.ToJsonString(), "create", "-f", "-");
    }

    [Test]
    public async Task Show_PrintsWhatAReviewerMustRead()
    {
        var ns = await DemoNamespace.CreateAsync();
        await ns.ApplyJobAsync();

        var text = await ns.Chunk("bob", "show", "export-customers");
        var yaml = await ns.Chunk("bob", "show", "export-customers", "-o", "yaml");
        var json = JsonNode.Parse((await ns.Chunk("bob", "show", "export-customers", "-o", "json")).Output)!;

        text.ExitCode.Should().Be(0, text.ToString());
        var hash = json["specHash"]!.GetValue<string>();
        text.Output.Should().Contain($"Job:         {ns.Name}/export-customers\nSpec hash:   {hash}\nDesigner:    alice\n")
            .And.Contain("Action:      export\nTables:      public.customers\nChunking:    public.customers by id, 5 keys per chunk")
            .And.Contain("Query:\n  SELECT id, name, ssn FROM customers WHERE id >= $1 AND id < $2\n")
            .And.MatchRegex(@"Masking on these tables:\n  COLUMN\s+STRATEGY\n  public\.customers\.ssn\s+last4\n  detectors: ssn, card, email")
            .And.Contain("1 approval(s) from members of chunkgate:executors, never the designer")
            .And.NotContain("public.orders.card", "the job's tables do not include orders")
            .And.NotContain("\e[");
        json["designer"]!.GetValue<string>().Should().Be("alice");
        json["masking"]!["columns"]!.AsArray().Should().ContainSingle();
        yaml.Output.Should().Contain($"specHash: {hash}\n").And.Contain("query: SELECT id, name, ssn FROM customers WHERE id >= $1 AND id < $2\n");
    }

    [Test]
    public async Task BadArguments_AreOneClearLine_WithTheDocumentedExitCode()
    {
        var cluster = PluginCluster.Current;
        var cases = new (string[] Args, string User, int Exit, string Error)[]
        {
            (["approve", "export-customers", "--reason", "x"], "bob", 2, "error: --ttl is required"),
            (["approve", "export-customers", "--ttl", "10parsecs", "--reason", "x"], "bob", 2, "error: invalid --ttl \"10parsecs\""),
            (["approve", "export-customers", "--ttl", "10m", "--reason", "x", "--spec-hash", "md5:00"], "bob", 2, "error: invalid --spec-hash"),
            (["show", "export-customers", "-o", "xml"], "bob", 2, "error: unable to match a printer suitable for the output format \"xml\", allowed formats are: json, yaml"),
            (["show"], "bob", 2, "error: JOB is required"),
            (["frobnicate"], "bob", 2, "error: unknown command \"frobnicate\""),
            (["replay", "export-customers", "--run", "latest"], "bob", 2, "error: invalid --run \"latest\""),
            (["show", "no-such-job", "-n", "default"], "bob", 4, "error: chunkjobs.chunkgate.io \"no-such-job\" not found in namespace default"),
            (["pending"], "nobody", 1, "error: the kubeconfig cannot be used"),
        };
        foreach (var (args, user, exit, error) in cases)
        {
            var result = await cluster.Chunk(user, args);
            result.ExitCode.Should().Be(exit, string.Join(' ', args) + "\n" + result);
            result.Error.Should().StartWith(error, string.Join(' ', args));
            result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.Should().BeLessThanOrEqualTo(2, "one line, and a pointer to --help for usage errors");
            result.Output.Should().BeEmpty();
        }

        var help = await cluster.Chunk("bob", "approve", "--help");
        help.ExitCode.Should().Be(0);
        help.Output.Should().Contain("kubectl chunk approve JOB --ttl DURATION --reason TEXT").And.Contain("Exit codes:");
    }
}
