using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ChunkGate.Testing.Time;
using ChunkGate.Testing.Waiting;
using static ChunkGate.Operator.Tests.EndToEnd.AdmissionCluster;

namespace ChunkGate.Operator.Tests.EndToEnd;

/// <summary>
/// The webhook's serving certificate is replaced before it expires and served at once, without a
/// restart, while the API server keeps calling it. The operator's clock is fake and starts 8 days in
/// the past, so both certificates it issues (10-day validity, renewed 3 days ahead) are valid for the
/// local cluster, which verifies TLS with the real clock.
/// </summary>
[Category("LocalCluster")]
public sealed class CertificateRotationTests
{
    [Test]
    public async Task TheServingCertificate_IsRenewedBeforeExpiry_AndServedWithoutRestart()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-8));
        await using var cluster = await AdmissionCluster.StartAsync(clock, "--certificate-validity=240h", "--certificate-renew-before=72h");
        var ns = await cluster.NamespaceWithConnectionAsync();
        using var before = await ServedCertificateAsync(cluster.Settings.WebhookPort);
        await cluster.Kubectl.As("alice").OkAsync("create -f -", Job(ns, "before"));

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        await Eventually.TrueAsync(
            async () =>
            {
                using var served = await ServedCertificateAsync(cluster.Settings.WebhookPort);
                return served.Thumbprint != before.Thumbprint;
            },
            "the renewed certificate is served", interval: TimeSpan.FromMilliseconds(50));
        using var after = await ServedCertificateAsync(cluster.Settings.WebhookPort);
        after.NotAfter.Should().BeAfter(before.NotAfter.AddDays(6));
        var secret = (await cluster.Kubectl.OkAsync($"get secret {cluster.Settings.CertificateSecret} -n chunkgate-system -o jsonpath={{.data.tls\\.crt}}")).Output;
        using var stored = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(secret)));
        stored.Thumbprint.Should().Be(after.Thumbprint);
        ChainsTo(after, await CaBundleAsync(cluster)).Should().BeTrue("the registered caBundle trusts the new certificate");

        await cluster.Kubectl.As("alice").OkAsync("create -f -", Job(ns, "after"));
        var denied = await cluster.Kubectl.As("bob").RunAsync("create -f -", Job(ns, "by-bob"));
        denied.Error.Should().Contain("admission webhook \"chunkjobs.mutate.chunkgate.io\" denied the request: bob is not in a designer group");
    }

    private static async Task<X509Certificate2> ServedCertificateAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        X509Certificate2? served = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true;
        });
        await tls.AuthenticateAsClientAsync("chunkgate-webhook.chunkgate-system.svc");
        return served ?? throw new InvalidOperationException("no certificate was served");
    }

    private static async Task<X509Certificate2Collection> CaBundleAsync(AdmissionCluster cluster)
    {
        var caBundle = (await cluster.Kubectl.OkAsync("get mutatingwebhookconfiguration chunkgate-webhook -o jsonpath={.webhooks[0].clientConfig.caBundle}")).Output;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
        return roots;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
