using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Security;
using ChunkGate.LocalCluster.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>
/// Admission webhooks called over HTTPS (a real Kestrel webhook in the test, its CA in caBundle):
/// mutation with JSON patches, denial printed as kubectl prints it, userInfo, failurePolicy.
/// </summary>
[Category("LocalCluster")]
public sealed class WebhookTests
{
    private readonly ConcurrentQueue<JsonObject> reviews = new();
    private WebApplication? webhook;
    private CertificateAuthority? authority;
    private int port;

    private static Kubectl Kubectl => SharedCluster.Kubectl;

    [OneTimeSetUp]
    public async Task StartWebhookAsync()
    {
        authority = CertificateAuthority.Create(TimeProvider.System);
        var certificate = authority.IssueServerCertificate(TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        webhook = builder.Build();
        webhook.MapPost("/mutate", (Func<HttpContext, Task>)(context => RespondAsync(context, Mutate)));
        webhook.MapPost("/validate", (Func<HttpContext, Task>)(context => RespondAsync(context, Validate)));
        await webhook.StartAsync();
        port = new Uri(webhook.Urls.First()).Port;

        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(authority.CertificatePem));
        await Kubectl.OkAsync("apply -f -", $$$"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: MutatingWebhookConfiguration
            metadata: {name: widgets-mutate}
            webhooks:
            - name: stamp.fixtures.chunkgate.io
              admissionReviewVersions: [v1]
              sideEffects: None
              failurePolicy: Fail
              clientConfig: {url: "https://localhost:{{{port}}}/mutate", caBundle: {{{caBundle}}}}
              namespaceSelector: {matchLabels: {webhooks: "on"}}
              rules:
              - {apiGroups: [fixtures.chunkgate.io], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: [widgets]}
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: widgets-validate}
            webhooks:
            - name: owners.fixtures.chunkgate.io
              admissionReviewVersions: [v1]
              sideEffects: None
              clientConfig: {url: "https://localhost:{{{port}}}/validate", caBundle: {{{caBundle}}}}
              namespaceSelector: {matchLabels: {webhooks: "on"}}
              rules:
              - {apiGroups: [fixtures.chunkgate.io], apiVersions: ["*"], operations: [CREATE, UPDATE, DELETE], resources: [widgets]}
            - name: unreachable.fixtures.chunkgate.io
              admissionReviewVersions: [v1]
              sideEffects: None
              failurePolicy: Fail
              clientConfig: {url: "https://localhost:1/validate", caBundle: {{{caBundle}}}}
              namespaceSelector: {matchLabels: {webhooks: "broken"}}
              rules:
              - {apiGroups: [fixtures.chunkgate.io], apiVersions: ["*"], operations: [CREATE], resources: [widgets]}
            - name: unreachable-ignored.fixtures.chunkgate.io
              admissionReviewVersions: [v1]
              sideEffects: None
              failurePolicy: Ignore
              clientConfig: {url: "https://localhost:1/validate", caBundle: {{{caBundle}}}}
              namespaceSelector: {matchLabels: {webhooks: "ignored"}}
              rules:
              - {apiGroups: [fixtures.chunkgate.io], apiVersions: ["*"], operations: [CREATE], resources: [widgets]}
            """);
    }

    [OneTimeTearDown]
    public async Task StopWebhookAsync()
    {
        await Kubectl.RunAsync("delete mutatingwebhookconfiguration widgets-mutate");
        await Kubectl.RunAsync("delete validatingwebhookconfiguration widgets-validate");
        if (webhook is not null)
        {
            await webhook.DisposeAsync();
        }

        authority?.Dispose();
    }

    [Test]
    public async Task Create_DeniedByAValidatingWebhook_PrintsTheDenialAsKubectlDoes()
    {
        var ns = await LabelledNamespaceAsync("on");

        var result = await Kubectl.As("alice").RunAsync("create -f -", Widget("w1", ns, "mallory"));

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be(
            "Error from server (Forbidden): error when creating \"STDIN\": admission webhook \"owners.fixtures.chunkgate.io\" denied the request: owner mallory is not allowed");
    }

    [Test]
    public async Task Create_ThroughAMutatingWebhook_AppliesItsJsonPatchWithTheCallersIdentity()
    {
        var ns = await LabelledNamespaceAsync("on");

        await Kubectl.As("alice").OkAsync("create -f -", Widget("w1", ns, "alice"));

        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.annotations.fixtures\\.chunkgate\\.io/created-by}}")).Output.Should().Be("alice");
        var review = reviews.Last(r => r["request"]!["namespace"]?.GetValue<string>() == ns && r["request"]!["operation"]!.GetValue<string>() == "CREATE");
        var request = review["request"]!;
        request["userInfo"]!["username"]!.GetValue<string>().Should().Be("alice");
        request["userInfo"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Contain(["chunkgate:designers", "system:authenticated"]);
        request["kind"]!["kind"]!.GetValue<string>().Should().Be("Widget");
        request["resource"]!["resource"]!.GetValue<string>().Should().Be("widgets");
        request["dryRun"]!.GetValue<bool>().Should().BeFalse();
        request["options"]!["kind"]!.GetValue<string>().Should().Be("CreateOptions");
    }

    [Test]
    public async Task Update_SendsTheOldObjectToo_AndTheServiceAccountIdentityOfArgoCd()
    {
        var ns = await LabelledNamespaceAsync("on");
        await Kubectl.As("argocd").OkAsync("apply -f -", Widget("w1", ns, "alice"));

        await Kubectl.As("argocd").OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"spec\":{{\"size\":42}}}}'");

        var update = reviews.Last(r => r["request"]!["namespace"]?.GetValue<string>() == ns && r["request"]!["operation"]!.GetValue<string>() == "UPDATE");
        update["request"]!["oldObject"]!["spec"]!["size"]!.GetValue<int>().Should().Be(10);
        update["request"]!["object"]!["spec"]!["size"]!.GetValue<int>().Should().Be(42);
        update["request"]!["userInfo"]!["username"]!.GetValue<string>().Should().Be("system:serviceaccount:argocd:argocd-application-controller");
        update["request"]!["userInfo"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Contain("system:serviceaccounts:argocd");
    }

    [Test]
    public async Task Create_AllowedWithWarnings_ShowsThemAsKubectlWarnings()
    {
        var ns = await LabelledNamespaceAsync("on");

        var result = await Kubectl.OkAsync("create -f -", Widget("w1", ns, "bob"));

        result.Error.Trim().Should().Be("Warning: owner bob is on leave");
    }

    [Test]
    public async Task Delete_GoesThroughValidatingWebhooksWithTheOldObject()
    {
        var ns = await LabelledNamespaceAsync("on");
        await Kubectl.OkAsync("create -f -", Widget("w1", ns, "alice"));

        await Kubectl.As("carol").OkAsync($"delete widget w1 -n {ns}");

        var delete = reviews.Last(r => r["request"]!["namespace"]?.GetValue<string>() == ns && r["request"]!["operation"]!.GetValue<string>() == "DELETE");
        delete["request"]!["oldObject"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("w1");
        delete["request"]!["object"].Should().BeNull();
        delete["request"]!["userInfo"]!["username"]!.GetValue<string>().Should().Be("carol");
        delete["request"]!["options"]!["kind"]!.GetValue<string>().Should().Be("DeleteOptions");
    }

    [Test]
    public async Task Create_WhenAFailClosedWebhookIsUnreachable_IsAnInternalError()
    {
        var ns = await LabelledNamespaceAsync("broken");

        var result = await Kubectl.RunAsync("create -f -", Widget("w1", ns, "alice"));

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("Error from server (InternalError)").And.Contain("failed calling webhook \"unreachable.fixtures.chunkgate.io\"");
    }

    [Test]
    public async Task Create_WhenAnIgnoredWebhookIsUnreachable_Succeeds()
    {
        var ns = await LabelledNamespaceAsync("ignored");

        await Kubectl.OkAsync("create -f -", Widget("w1", ns, "alice"));
    }

    [Test]
    public async Task Create_InANamespaceOutsideTheSelector_SkipsTheWebhooks()
    {
        var ns = await SharedCluster.NamespaceAsync("plain");

        await Kubectl.OkAsync("create -f -", Widget("w1", ns, "mallory"));
    }

    private static async Task<string> LabelledNamespaceAsync(string mode)
    {
        var ns = await SharedCluster.NamespaceAsync("hooks");
        await Kubectl.OkAsync($"label namespace {ns} webhooks={mode}");
        return ns;
    }

    private static string Widget(string name, string ns, string owner) => $$"""
        apiVersion: fixtures.chunkgate.io/v1alpha1
        kind: Widget
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          action: read
          owner: {{owner}}
        """;

    private async Task RespondAsync(HttpContext context, Func<JsonObject, JsonObject> decide)
    {
        var review = (JsonNode.Parse(await new StreamReader(context.Request.Body).ReadToEndAsync()) as JsonObject)!;
        reviews.Enqueue(review);
        var response = decide((JsonObject)review["request"]!);
        response["uid"] = review["request"]!["uid"]!.GetValue<string>();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    private static JsonObject Mutate(JsonObject request)
    {
        var user = request["userInfo"]!["username"]!.GetValue<string>();
        var hasAnnotations = request["object"]?["metadata"]?["annotations"] is not null;
        var patch = new JsonArray();
        if (!hasAnnotations)
        {
            patch.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations", ["value"] = new JsonObject() });
        }

        patch.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations/fixtures.chunkgate.io~1created-by", ["value"] = user });
        return new JsonObject
        {
            ["allowed"] = true,
            ["patchType"] = "JSONPatch",
            ["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString())),
        };
    }

    private static JsonObject Validate(JsonObject request)
    {
        var owner = request["object"]?["spec"]?["owner"]?.GetValue<string>();
        return owner switch
        {
            "mallory" => new JsonObject { ["allowed"] = false, ["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "owner mallory is not allowed" } },
            "bob" => new JsonObject { ["allowed"] = true, ["warnings"] = new JsonArray("owner bob is on leave") },
            _ => new JsonObject { ["allowed"] = true },
        };
    }
}
