using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Webhooks;
using ChunkGate.Testing.Time;
using k8s;

namespace ChunkGate.Operator.Tests.Webhooks;

/// <summary>The adapters: AdmissionReview JSON in, verdict and JSON patch out, over an in-memory lookup.</summary>
public sealed class AdmissionWebhookTests
{
    private static readonly AdmissionSettings Settings = new("system:serviceaccount:chunkgate-system:chunkgate-operator", ["argocd-sa"], ["system:masters"]);
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private const string JobSpec = """{"connectionRef":{"name":"demo-db"},"action":"export","tables":["public.customers"],"chunking":{"table":"public.customers","keyColumn":"id","chunkSize":100},"query":"SELECT id FROM customers WHERE id >= $1 AND id < $2"}""";

    private static readonly Lookup Objects = new(
        KubernetesJson.Deserialize<DataConnection>("""
            {"apiVersion":"chunkgate.io/v1alpha1","kind":"DataConnection","metadata":{"name":"demo-db","namespace":"demo"},
             "spec":{"endpoint":{"host":"db","database":"demo"},"adminSecretRef":{"name":"admin","usernameKey":"username","passwordKey":"password"},"maxTTL":"15m",
                     "allowedActions":["export"],"designerGroups":["designers"],"executorGroups":["executors"]}}
            """),
        KubernetesJson.Deserialize<ChunkJob>($$$"""
            {"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"job","namespace":"demo","uid":"job-uid-1","annotations":{"chunkgate.io/designer":"alice"}},"spec":{{{JobSpec}}} }
            """));

    private static string Review(string operation, string user, string[] groups, string? obj, string? old = null, string subResource = "", bool dryRun = false) => $$"""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","resource":{"resource":"x"},"subResource":"{{subResource}}",
         "namespace":"demo","operation":"{{operation}}","userInfo":{"username":"{{user}}","groups":[{{string.Join(",", groups.Select(g => $"\"{g}\""))}}]},
         "object":{{obj ?? "null"}},"oldObject":{{old ?? "null"}},"dryRun":{{(dryRun ? "true" : "false")}} } }
        """;

    private static string JobObject(string? designer) =>
        $$"""{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"job2","namespace":"demo"{{(designer is null ? "" : $$""","annotations":{"chunkgate.io/designer":"{{designer}}"}""")}}},"spec":{{JobSpec}} }""";

    private static string ApprovalObject(string extra = "") =>
        $$$"""{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkApproval","metadata":{"name":"a1","namespace":"demo"},"spec":{"jobRef":{"name":"job"},"ttl":"10m","reason":"FIN-1"{{{extra}}} }}""";

    private static async Task<JsonObject> AnswerAsync(IAdmissionWebhook webhook, string review)
    {
        AdmissionReviewRequest.TryParse(JsonNode.Parse(review), out var request, out var error).Should().BeTrue(error);
        var response = await webhook.ReviewAsync(request!, CancellationToken.None);
        return (JsonObject)response.ToReview(request!.Uid)["response"]!;
    }

    private static JsonArray? Patch(JsonObject response) =>
        response["patch"] is { } patch ? (JsonArray)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch.GetValue<string>())))! : null;

    private static FakeTimeProvider Clock() => new(Now);

    private static ChunkApprovalWebhook ApprovalWebhook(IAdmissionLookup lookup, bool mutating, ApprovalReservations? reservations = null)
    {
        var clock = Clock();
        return new ChunkApprovalWebhook(lookup, Settings, clock, reservations ?? new ApprovalReservations(clock), mutating);
    }

    [TestCase(null, """[{"op":"add","path":"/metadata/annotations","value":{"chunkgate.io/designer":"alice"}}]""")]
    [TestCase("mallory", """[{"op":"replace","path":"/metadata/annotations/chunkgate.io~1designer","value":"alice"}]""")]
    [TestCase("alice", "null")]
    public async Task JobCreate_ByADesigner_IsPatchedToStampThem(string? forged, string patch)
    {
        var response = await AnswerAsync(new ChunkJobWebhook(Objects, Settings, mutating: true), Review("CREATE", "alice", ["designers"], JobObject(forged)));

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        (Patch(response)?.ToJsonString() ?? "null").Should().Be(patch);
        response["uid"]!.GetValue<string>().Should().Be("u-1");
    }

    [Test]
    public async Task JobCreate_WhoseStampAMutatingWebhookDidNotWrite_IsDeniedByTheValidatingWebhook()
    {
        var response = await AnswerAsync(new ChunkJobWebhook(Objects, Settings, mutating: false), Review("CREATE", "alice", ["designers"], JobObject("mallory")));

        response["allowed"]!.GetValue<bool>().Should().BeFalse();
        response["status"]!["code"]!.GetValue<int>().Should().Be(403);
        response["status"]!["message"]!.GetValue<string>().Should().Be("the chunkgate.io/designer annotation of demo/job2 must be alice, as ChunkGate stamps it, not mallory");
    }

    [Test]
    public async Task JobUpdate_ThatDropsTheStamp_HasItRestored()
    {
        var response = await AnswerAsync(new ChunkJobWebhook(Objects, Settings, mutating: true), Review("UPDATE", "alice", ["designers"], JobObject(null), JobObject("alice")));

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        Patch(response)!.ToJsonString().Should().Be("""[{"op":"add","path":"/metadata/annotations","value":{"chunkgate.io/designer":"alice"}}]""");
    }

    [Test]
    public async Task ApprovalCreate_IsPatchedWithTheRequestersStamps_OverForgedOnes()
    {
        var review = Review("CREATE", "bob", ["executors", "system:authenticated"], ApprovalObject(""","approver":"carol","approverGroups":["x"]"""));

        var response = await AnswerAsync(ApprovalWebhook(Objects, mutating: true), review);

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        var hash = SpecHash.Compute(JobSpec);
        Patch(response)!.ToJsonString().Should().Be(
            $$"""[{"op":"add","path":"/metadata/ownerReferences","value":[{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","name":"job","uid":"job-uid-1"}]},{"op":"replace","path":"/spec/approver","value":"bob"},{"op":"replace","path":"/spec/approverGroups","value":["executors","system:authenticated"]},{"op":"add","path":"/spec/expiresAt","value":"2026-11-30T10:10:00Z"},{"op":"add","path":"/spec/jobSpecHash","value":"{{hash}}"},{"op":"add","path":"/spec/jobUid","value":"job-uid-1"}]""");
    }

    [Test]
    public async Task ApprovalCreate_IsOwnedByTheJobItApproves_SoItGoesWithThatJob()
    {
        // A forged owner naming another ChunkJob is replaced; an owner of another kind stays.
        const string approval = """
            {"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkApproval","metadata":{"name":"a1","namespace":"demo","ownerReferences":[
              {"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","name":"job","uid":"job-uid-0"},{"apiVersion":"v1","kind":"ConfigMap","name":"ticket","uid":"cm-1"}]},
             "spec":{"jobRef":{"name":"job"},"ttl":"10m","reason":"FIN-1"}}
            """;

        var response = await AnswerAsync(ApprovalWebhook(Objects, mutating: true), Review("CREATE", "bob", ["executors"], approval));

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        Patch(response)!.Where(op => op!["path"]!.GetValue<string>().StartsWith("/metadata", StringComparison.Ordinal)).Select(op => op!.ToJsonString()).Should().Equal(
            """{"op":"replace","path":"/metadata/ownerReferences","value":[{"apiVersion":"v1","kind":"ConfigMap","name":"ticket","uid":"cm-1"},{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","name":"job","uid":"job-uid-1"}]}""");
    }

    [TestCase(""","approver":"carol","approverGroups":["executors"],"expiresAt":"2026-11-30T10:10:00Z","jobSpecHash":"HASH","jobUid":"job-uid-1" """, "approver")]
    [TestCase(""","approver":"bob","approverGroups":["executors"],"expiresAt":"2026-12-30T10:10:00Z","jobSpecHash":"HASH","jobUid":"job-uid-1" """, "expiresAt")]
    [TestCase(""","approver":"bob","approverGroups":["executors","admins"],"expiresAt":"2026-11-30T10:10:00Z","jobSpecHash":"HASH","jobUid":"job-uid-1" """, "approverGroups")]
    [TestCase(""","approver":"bob","approverGroups":["executors"],"expiresAt":"2026-11-30T10:10:00Z","jobSpecHash":"HASH","jobUid":"job-uid-0" """, "jobUid")]
    public async Task ApprovalCreate_WithStampsItsMutatingWebhookWouldNotWrite_IsDenied(string stamps, string field)
    {
        var review = Review("CREATE", "bob", ["executors"], ApprovalObject(stamps.Replace("HASH", SpecHash.Compute(JobSpec), StringComparison.Ordinal)));

        var response = await AnswerAsync(ApprovalWebhook(Objects, mutating: false), review);

        response["allowed"]!.GetValue<bool>().Should().BeFalse();
        response["status"]!["message"]!.GetValue<string>().Should().Be($"spec.{field} of ChunkApproval demo/a1 is stamped by ChunkGate and does not match what it would stamp for bob");
    }

    [Test]
    public async Task ApprovalCreate_WithTheRightStamps_IsAllowedByTheValidatingWebhook()
    {
        var stamps = $$""","approver":"bob","approverGroups":["executors"],"expiresAt":"2026-11-30T10:10:00Z","jobSpecHash":"{{SpecHash.Compute(JobSpec)}}","jobUid":"job-uid-1" """;

        var response = await AnswerAsync(ApprovalWebhook(Objects, mutating: false), Review("CREATE", "bob", ["executors"], ApprovalObject(stamps)));

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task ApprovalCreate_OfASpecNewerThanTheCachedJob_ReadsTheJobAgain_AndIsAllowed()
    {
        const string NewSpec = """{"connectionRef":{"name":"demo-db"},"action":"export","tables":["public.customers"],"chunking":{"table":"public.customers","keyColumn":"id","chunkSize":50},"query":"SELECT id FROM customers WHERE id >= $1 AND id < $2"}""";
        var changed = KubernetesJson.Deserialize<ChunkJob>($$$"""
            {"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"job","namespace":"demo","annotations":{"chunkgate.io/designer":"alice"}},"spec":{{{NewSpec}}} }
            """);
        var lookup = Objects with { FreshJob = changed };
        var review = Review("CREATE", "bob", ["executors"], ApprovalObject($$""","jobSpecHash":"{{SpecHash.Compute(NewSpec)}}" """));

        var response = await AnswerAsync(ApprovalWebhook(lookup, mutating: true), review);

        response["allowed"]!.GetValue<bool>().Should().BeTrue(response.ToJsonString());
    }

    [Test]
    public async Task ApprovalCreate_OfAHashNeitherTheCacheNorTheApiServerHas_IsDenied()
    {
        var lookup = Objects with { FreshJob = Objects.Job };
        var review = Review("CREATE", "bob", ["executors"], ApprovalObject(""","jobSpecHash":"sha256:0" """));

        var response = await AnswerAsync(ApprovalWebhook(lookup, mutating: true), review);

        response["status"]!["message"]!.GetValue<string>().Should().StartWith("demo/job changed since it was reviewed (reviewed sha256:0, now ");
    }

    [Test]
    public async Task TwoApprovalCreates_ByTheSameExecutor_BeforeEitherIsStored_TheSecondIsDenied()
    {
        var webhook = ApprovalWebhook(Objects, mutating: true);
        var a1 = ApprovalObject();

        var first = await AnswerAsync(webhook, Review("CREATE", "bob", ["executors"], a1));
        var second = await AnswerAsync(webhook, Review("CREATE", "bob", ["executors"], a1.Replace("\"a1\"", "\"a2\"", StringComparison.Ordinal)));
        var retry = await AnswerAsync(webhook, Review("CREATE", "bob", ["executors"], a1));
        var byCarol = await AnswerAsync(webhook, Review("CREATE", "carol", ["executors"], a1.Replace("\"a1\"", "\"a3\"", StringComparison.Ordinal)));

        first["allowed"]!.GetValue<bool>().Should().BeTrue();
        second["status"]!["message"]!.GetValue<string>().Should().Be("bob already approved the current spec of demo/job (a1, until 2026-11-30T10:10:00.0000000+00:00); one executor counts once");
        retry["allowed"]!.GetValue<bool>().Should().BeTrue("the same approval again is a retry, not a second approval");
        byCarol["allowed"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task AConcurrentDryRun_IsDenied_ButReservesNothing()
    {
        var webhook = ApprovalWebhook(Objects, mutating: true);

        var dryRun = await AnswerAsync(webhook, Review("CREATE", "bob", ["executors"], ApprovalObject(), dryRun: true));
        var real = await AnswerAsync(webhook, Review("CREATE", "bob", ["executors"], ApprovalObject().Replace("\"a1\"", "\"a2\"", StringComparison.Ordinal)));

        dryRun["allowed"]!.GetValue<bool>().Should().BeTrue();
        real["allowed"]!.GetValue<bool>().Should().BeTrue("a dry run stores nothing, so it holds nothing");
    }

    [Test]
    public async Task StatusWrite_ByAnyoneButTheOperator_IsDenied_AndDryRunChangesNothing()
    {
        var webhook = new StatusWebhook(Settings);
        var job = JobObject("alice");

        var byBob = await AnswerAsync(webhook, Review("UPDATE", "bob", [], job, job, "status", dryRun: true));
        var byOperator = await AnswerAsync(webhook, Review("UPDATE", Settings.OperatorIdentity, [], job, job, "status"));

        byBob["status"]!["message"]!.GetValue<string>().Should().Be("only the ChunkGate operator may write the status of ChunkJob demo/job2; bob may not");
        byOperator["allowed"]!.GetValue<bool>().Should().BeTrue();
    }

    [Test]
    public async Task ConnectionUpdate_ChangingMasking_WarnsNamingLiveRuns()
    {
        var running = KubernetesJson.Deserialize<ChunkJob>($$$"""{"metadata":{"name":"running-job","namespace":"demo"},"spec":{{{JobSpec}}},"status":{"phase":"Running"}}""");
        var idle = KubernetesJson.Deserialize<ChunkJob>($$$"""{"metadata":{"name":"idle-job","namespace":"demo"},"spec":{{{JobSpec}}},"status":{"phase":"Succeeded"}}""");
        var lookup = Objects with { Jobs = [running, idle] };
        var old = KubernetesJson.Serialize(Objects.Connection);
        var changed = old.Replace("\"maxTTL\":\"15m\"", "\"maxTTL\":\"10m\"", StringComparison.Ordinal);

        var response = await AnswerAsync(new DataConnectionWebhook(lookup, Settings), Review("UPDATE", "admin", ["system:masters"], changed, old));

        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        response["warnings"]!.AsArray().Select(w => w!.GetValue<string>()).Should().Contain(
            "masking or caps of DataConnection demo/demo-db changed while 1 run(s) are live (running-job); they keep the rules they started with until they end");
    }

    [TestCase("chunkapprovals", """{"jobRef":{"name":"job"},"ttl":5,"reason":"x"}""", "ChunkApproval demo/x is invalid: spec.ttl must be a string, got 5")]
    [TestCase("chunkapprovals", """{"jobRef":"job","ttl":"5m","reason":"x"}""", "ChunkApproval demo/x is invalid: spec.jobRef must be an object, got \"job\"")]
    [TestCase("chunkapprovals", """{"jobRef":{"name":"job"},"ttl":"5m","reason":"x","approverGroups":["a",7]}""", "ChunkApproval demo/x is invalid: spec.approverGroups[1] must be a string, got 7")]
    [TestCase("chunkapprovals", "\"approve\"", "ChunkApproval demo/x is invalid: spec must be an object, got \"approve\"")]
    [TestCase("chunkjobs", """{"connectionRef":{"name":"demo-db"},"action":"export","tables":"x"}""", "ChunkJob demo/x is invalid: spec.tables must be a list, got \"x\"")]
    [TestCase("chunkjobs", """{"connectionRef":{"name":"demo-db"},"action":"drop","tables":["public.t"]}""", "ChunkJob demo/x is invalid: spec.action must be one of read, write, export, transform, got \"drop\"")]
    [TestCase("chunkjobs", """{"connectionRef":{"name":"demo-db"},"chunking":{"table":"public.t","keyColumn":"id","chunkSize":"big"}}""", "ChunkJob demo/x is invalid: spec.chunking.chunkSize must be a whole number, got \"big\"")]
    [TestCase("dataconnections", """{"endpoint":{"host":"db","port":"5432"}}""", "DataConnection demo/x is invalid: spec.endpoint.port must be a whole number, got \"5432\"")]
    public async Task AFieldOfTheWrongType_IsDeniedWithASentenceNamingIt(string resource, string spec, string message)
    {
        var kind = resource switch { "chunkapprovals" => "ChunkApproval", "chunkjobs" => "ChunkJob", _ => "DataConnection" };
        IAdmissionWebhook webhook = resource switch
        {
            "chunkapprovals" => ApprovalWebhook(Objects, mutating: true),
            "chunkjobs" => new ChunkJobWebhook(Objects, Settings, mutating: true),
            _ => new DataConnectionWebhook(Objects, Settings),
        };
        var obj = $$"""{"apiVersion":"chunkgate.io/v1alpha1","kind":"{{kind}}","metadata":{"name":"x","namespace":"demo"},"spec":{{spec}} }""";

        var response = await AnswerAsync(webhook, Review("CREATE", "alice", ["designers", "executors", "system:masters"], obj));

        response["allowed"]!.GetValue<bool>().Should().BeFalse();
        response["status"]!["code"]!.GetValue<int>().Should().Be(403);
        response["status"]!["message"]!.GetValue<string>().Should().Be(message);
    }

    [TestCase("""{"kind":"AdmissionReview"}""", "expected an admission.k8s.io/v1 AdmissionReview with a request")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","request":{"operation":"CREATE"}}""", "request.uid is missing")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","request":{"uid":"u","operation":"CONNECT"}}""", "operation \"CONNECT\" is not reviewed by ChunkGate")]
    public void AMalformedReview_IsRefusedWithTheProblem(string review, string problem)
    {
        AdmissionReviewRequest.TryParse(JsonNode.Parse(review), out var request, out var error).Should().BeFalse();
        request.Should().BeNull();
        error.Should().Be(problem);
    }

    private sealed record Lookup(DataConnection Connection, ChunkJob Job) : IAdmissionLookup
    {
        public IReadOnlyList<ChunkJob> Jobs { get; init; } = [];

        public Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken) =>
            Task.FromResult(name == Connection.Metadata.Name ? Connection : null);

        /// <summary>The job as the API server has it, when the cache (<see cref="Job"/>) lags it.</summary>
        public ChunkJob? FreshJob { get; init; }

        public Task<ChunkJob?> JobAsync(string ns, string name, bool fresh, CancellationToken cancellationToken) =>
            Task.FromResult(name == Job.Metadata.Name ? (fresh ? FreshJob ?? Job : Job) : null);

        public Task<IReadOnlyList<string>> RunningJobsOfConnectionAsync(string ns, string connection, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>([.. Jobs.Where(job => job.Spec.ConnectionRef.Name == connection && ApiAdmissionLookup.IsRunning(job)).Select(job => job.Metadata.Name)]);

        public Task<IReadOnlyList<ChunkApproval>> ApprovalsOfJobAsync(string ns, string job, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ChunkApproval>>([]);
    }
}
