using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ChunkGate.LocalCluster.Tests.Support;
using ChunkGate.Operator.Certificates;
using ChunkGate.Testing.Time;
using ChunkGate.Testing.Waiting;
using static ChunkGate.Operator.Tests.EndToEnd.AdmissionCluster;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// With <c>--certificate-source=cert-manager</c> the operator issues nothing: it serves the certificate
/// in the Secret as cert-manager writes it (tls.crt, tls.key, ca.crt), reloads it when cert-manager
/// renews it, and leaves caBundle to cert-manager's CA injector, which the test plays.
/// </summary>
[Category("LocalCluster")]
public sealed class CertManagerTests
{
    private const string Secret = "chunkgate-webhook-cm";
    private static readonly string[] DnsNames =
        ["chunkgate-webhook", "chunkgate-webhook.chunkgate-system", "chunkgate-webhook.chunkgate-system.svc", "chunkgate-webhook.chunkgate-system.svc.cluster.local"];

    [Test]
    public async Task TheCertManagerSecret_IsServed_ReloadedWhenRenewed_AndCaBundleIsLeftToTheInjector()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = CertificateIssuer.IssueAll(DnsNames, DateTimeOffset.UtcNow, TimeSpan.FromDays(90), previous: null);
        await using var cluster = await AdmissionCluster.StartAsync(
            clock,
            kubectl => WriteAsCertManagerAsync(kubectl, first),
            "--certificate-source=cert-manager", $"--certificate-secret={Secret}", "--cert-manager-certificate=chunkgate-webhook-cert");
        var kubectl = cluster.Kubectl;

        (await kubectl.OkAsync("get mutatingwebhookconfiguration chunkgate-webhook -o jsonpath={.metadata.annotations.cert-manager\\.io/inject-ca-from}")).Output
            .Should().Be("chunkgate-system/chunkgate-webhook-cert");
        (await kubectl.OkAsync("get validatingwebhookconfiguration chunkgate-webhook -o jsonpath={.metadata.annotations.cert-manager\\.io/inject-ca-from}")).Output
            .Should().Be("chunkgate-system/chunkgate-webhook-cert");
        (await kubectl.OkAsync("get mutatingwebhookconfiguration chunkgate-webhook -o jsonpath={.webhooks[*].clientConfig.caBundle}")).Output.Should().BeEmpty();
        (await kubectl.OkAsync($"get secret {Secret} -n chunkgate-system -o jsonpath={{.data}}")).Output.Should().NotContain("ca.key", "the operator writes no CA of its own");
        (await ThumbprintServedAsync(cluster.Settings.WebhookPort)).Should().Be(Thumbprint(first.CertificatePem));

        await InjectCaAsync(kubectl, first.CaBundlePem);
        var ns = await cluster.NamespaceWithConnectionAsync();
        await kubectl.As("alice").OkAsync("create -f -", Job(ns, "before"));

        var renewed = CertificateIssuer.IssueServing(first, DnsNames, DateTimeOffset.UtcNow, TimeSpan.FromDays(90));
        await WriteAsCertManagerAsync(kubectl, renewed, replace: true);
        await Eventually.TrueAsync(
            async () =>
            {
                clock.Advance(CertManagerCertificates.PollInterval);
                return await ThumbprintServedAsync(cluster.Settings.WebhookPort) == Thumbprint(renewed.CertificatePem);
            },
            "the renewed certificate is served", interval: TimeSpan.FromMilliseconds(50));
        await kubectl.As("alice").OkAsync("create -f -", Job(ns, "after"));
        (await kubectl.OkAsync($"get chunkjob after -n {ns} -o jsonpath={{.metadata.annotations.chunkgate\\.io/designer}}")).Output.Should().Be("alice");
    }

    /// <summary>What cert-manager writes: type kubernetes.io/tls with tls.crt, tls.key and ca.crt, no CA key.</summary>
    private static Task WriteAsCertManagerAsync(Kubectl kubectl, CertificateBundle bundle, bool replace = false) =>
        kubectl.OkAsync(replace ? "replace -f -" : "create -f -", $$$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: {{{Secret}}}, namespace: chunkgate-system, annotations: {cert-manager.io/certificate-name: chunkgate-webhook-cert}}
            type: kubernetes.io/tls
            data:
              tls.crt: {{{Base64(bundle.CertificatePem)}}}
              tls.key: {{{Base64(bundle.KeyPem)}}}
              ca.crt: {{{Base64(bundle.CaBundlePem)}}}
            """);

    /// <summary>What cert-manager's CA injector does: every webhook's caBundle from the Certificate's CA.</summary>
    private static async Task InjectCaAsync(Kubectl kubectl, string caPem)
    {
        foreach (var (kind, count) in new[] { ("mutatingwebhookconfiguration", 2), ("validatingwebhookconfiguration", 4) })
        {
            var patch = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"op":"add","path":"/webhooks/{{i}}/clientConfig/caBundle","value":"{{Base64(caPem)}}"}"""));
            await kubectl.OkAsync($"patch {kind} chunkgate-webhook --type=json -p '[{patch}]'");
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Thumbprint(string pem)
    {
        using var certificate = X509Certificate2.CreateFromPem(pem);
        return certificate.Thumbprint;
    }

    private static async Task<string> ThumbprintServedAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        string? served = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).Thumbprint;
            return true;
        });
        await tls.AuthenticateAsClientAsync("chunkgate-webhook.chunkgate-system.svc");
        return served ?? throw new InvalidOperationException("no certificate was served");
    }
}
