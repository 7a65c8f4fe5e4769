using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>
/// Accept and Content-Type negotiation as a real server does it: 406 NotAcceptable when no accepted
/// media type can be served, 415 UnsupportedMediaType for a body in a format the server cannot decode.
/// </summary>
[Category("LocalCluster")]
public sealed class ContentNegotiationTests
{
    private const string ConfigMap = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""";

    [TestCase("application/vnd.kubernetes.protobuf", "/api/v1/namespaces/default/configmaps")]
    [TestCase("text/plain", "/api/v1/namespaces/default/configmaps")]
    [TestCase("text/html, image/png", "/api/v1/namespaces")]
    [TestCase("application/vnd.kubernetes.protobuf", "/apis/fixtures.chunkgate.io/v1alpha1/namespaces/default/widgets")]
    public async Task Get_AcceptingNothingServable_Is406(string accept, string path)
    {
        using var api = new ApiClient(SharedCluster.Cluster);

        var (status, body) = await api.NegotiateAsync(HttpMethod.Get, path, accept);

        status.Should().Be(406);
        body!["kind"]!.GetValue<string>().Should().Be("Status");
        body["reason"]!.GetValue<string>().Should().Be("NotAcceptable");
        body["message"]!.GetValue<string>().Should().StartWith("only the following media types are accepted: application/json, application/yaml");
    }

    [TestCase("application/vnd.kubernetes.protobuf, application/json")]
    [TestCase("application/json;as=Table;v=v1;g=meta.k8s.io,application/json")]
    [TestCase("*/*")]
    [TestCase("application/*")]
    [TestCase("application/json;q=0.9, text/plain")]
    public async Task Get_AcceptingJsonAmongOthers_IsServed(string accept)
    {
        using var api = new ApiClient(SharedCluster.Cluster);

        var (status, _) = await api.NegotiateAsync(HttpMethod.Get, "/api/v1/namespaces/default/configmaps", accept);

        status.Should().Be(200);
    }

    [Test]
    public async Task Create_WithATextPlainBody_Is415AndStoresNothing()
    {
        var ns = await SharedCluster.NamespaceAsync("neg415");
        using var api = new ApiClient(SharedCluster.Cluster);

        var (status, body) = await api.NegotiateAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "application/json", ConfigMap, "text/plain");

        status.Should().Be(415);
        body!["reason"]!.GetValue<string>().Should().Be("UnsupportedMediaType");
        body["message"]!.GetValue<string>().Should().Be(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        (await api.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/c")).Status.Should().Be(404);
    }

    [Test]
    public async Task Patch_WithATextPlainBody_Is415()
    {
        var ns = await SharedCluster.NamespaceAsync("negpatch");
        using var api = new ApiClient(SharedCluster.Cluster);
        await api.NegotiateAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "application/json", ConfigMap);

        var (status, body) = await api.NegotiateAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/c", "application/json", """{"data":{"a":"b"}}""", "text/plain");

        status.Should().Be(415);
        body!["reason"]!.GetValue<string>().Should().Be("UnsupportedMediaType");
    }
}
