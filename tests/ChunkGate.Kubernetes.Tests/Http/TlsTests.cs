using System.Security.Cryptography.X509Certificates;
using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Http;

/// <summary>TLS against a real HTTPS listener with a certificate from a per-run test CA.</summary>
public sealed class TlsTests
{
    private const string PodJson = """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"n"},"spec":{"containers":[]}}""";

    [Test]
    public async Task ConfiguredCa_IsTrusted_AndHttp2IsNegotiated_AndTheClientCertificateIsPresented()
    {
        await using var server = await CannedApiServer.StartAsync(https: true, requireClientCertificate: true);
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);
        var clientCertificate = ClientCertificates.FromPem(TestCertificates.ClientCertificatePem, TestCertificates.ClientKeyPem, "test");
        using var client = new KubernetesClient(server.Configuration(authorities: [TestCertificates.Ca], clientCertificate: clientCertificate));

        await client.Resource<Pod>(ResourceType.Pods).GetAsync("n", "web");

        var request = server.Requests.Single();
        request.Protocol.Should().Be("HTTP/2");
        request.ClientCertificateSubject.Should().Contain("CN=alice");
    }

    [Test]
    public async Task UnknownCa_IsRefused()
    {
        await using var server = await CannedApiServer.StartAsync(https: true);
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);
        using var otherCa = X509CertificateLoader.LoadCertificate(TestCertificates.Server.RawData); // the server's own leaf is not a CA
        using var client = new KubernetesClient(server.Configuration(authorities: [otherCa]), retryPolicy: ChunkGate.Kubernetes.Http.RetryPolicy.None);

        var act = () => client.Resource<Pod>(ResourceType.Pods).GetAsync("n", "web");

        await act.Should().ThrowAsync<HttpRequestException>();
        server.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task InsecureSkipTlsVerify_AcceptsAnyCertificate()
    {
        await using var server = await CannedApiServer.StartAsync(https: true);
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);
        var configuration = server.Configuration();
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = configuration.Server, InsecureSkipTlsVerify = true });

        (await client.Resource<Pod>(ResourceType.Pods).GetAsync("n", "web")).Metadata.Name.Should().Be("web");
    }
}
