using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Resources;

/// <summary>The typed wrapper over the official client's CustomObjects calls, against a loopback server.</summary>
public sealed class CustomResourceClientHttpTests
{
    private static readonly ResourceType Widgets = new("example.io", "v1", "widgets", "Widget", Namespaced: true);

    private sealed class Widget : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = null!;

        public string Kind { get; set; } = null!;

        public V1ObjectMeta Metadata { get; set; } = new();

        public Dictionary<string, string>? Status { get; set; }
    }

    [Test]
    public async Task ReplaceStatus_PutsToTheStatusSubresource_WithTypeMetaStamped()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, request) => CannedApiServer.WriteJsonAsync(context, 200, request.Body);
        using var client = server.Client();
        var widgets = new CustomResourceClient<Widget>(client, Widgets);

        var written = await widgets.ReplaceStatusAsync(new Widget { Metadata = new V1ObjectMeta { Name = "w", NamespaceProperty = "n", ResourceVersion = "7" }, Status = new() { ["phase"] = "Ready" } }, fieldManager: "chunkgate");

        var request = server.Requests.Single();
        request.Method.Should().Be("PUT");
        request.Path.Should().Be("/apis/example.io/v1/namespaces/n/widgets/w/status");
        request.Query["fieldManager"].Should().Be("chunkgate");
        JsonNode.Parse(request.Body)!["apiVersion"]!.GetValue<string>().Should().Be("example.io/v1");
        written.Status!["phase"].Should().Be("Ready");
    }

    [Test]
    public async Task Apply_SendsAnApplyPatch_WithFieldManagerAndForce()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, request) => CannedApiServer.WriteJsonAsync(context, 200, request.Body);
        using var client = server.Client();
        var widgets = new CustomResourceClient<Widget>(client, Widgets);

        await widgets.ApplyAsync(new Widget { Metadata = new V1ObjectMeta { Name = "w", NamespaceProperty = "n" } }, "chunkgate", force: true);

        var request = server.Requests.Single();
        request.Method.Should().Be("PATCH");
        request.ContentType.Should().StartWith("application/apply-patch+yaml");
        request.Query["fieldManager"].Should().Be("chunkgate");
        request.Query["force"].Should().Be("true");
    }

    [Test]
    public async Task Patch_RefusesApplyWithoutFieldManager_AndForceOnOtherPatches_BeforeSending()
    {
        await using var server = await CannedApiServer.StartAsync();
        using var client = server.Client();
        var widgets = new CustomResourceClient<Widget>(client, Widgets);

        await FluentActions.Awaiting(() => widgets.PatchAsync("n", "w", new V1Patch("{}", V1Patch.PatchType.ApplyPatch))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => widgets.PatchAsync("n", "w", new V1Patch("{}", V1Patch.PatchType.MergePatch), "m", force: true)).Should().ThrowAsync<ArgumentException>();
        server.Requests.Should().BeEmpty();
    }

    [TestCase(409, "AlreadyExists", typeof(AlreadyExistsException))]
    [TestCase(409, "Conflict", typeof(ConflictException))]
    [TestCase(404, "NotFound", typeof(NotFoundException))]
    [TestCase(422, "Invalid", typeof(InvalidException))]
    public async Task Refusals_AreTyped_FromTheOfficialClientsException(int code, string reason, Type expected)
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, code, $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"widgets \"w\": {{reason}}","reason":"{{reason}}","code":{{code}}}""");
        using var client = server.Client();
        var widgets = new CustomResourceClient<Widget>(client, Widgets);

        var thrown = await FluentActions.Awaiting(() => widgets.CreateAsync(new Widget { Metadata = new V1ObjectMeta { Name = "w", NamespaceProperty = "n" } })).Should().ThrowAsync<KubernetesApiException>();
        thrown.Which.Should().BeOfType(expected);
        thrown.Which.Status!.Reason.Should().Be(reason);
        thrown.Which.Message.Should().Contain("POST /apis/example.io/v1/namespaces/n/widgets");
    }

    [Test]
    public async Task TryGet_IsNull_WhenTheObjectDoesNotExist()
    {
        await using var server = await CannedApiServer.StartAsync();
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 404, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}""");
        using var client = server.Client();

        (await new CustomResourceClient<Widget>(client, Widgets).TryGetAsync("n", "w")).Should().BeNull();
    }
}
