using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Tests.Support;

/// <summary>Real keys and certificates made per test run (a CA, a server cert for 127.0.0.1, a client cert).</summary>
internal static class TestCertificates
{
    private static readonly Lazy<(X509Certificate2 Ca, X509Certificate2 Server, string ClientCertPem, string ClientKeyPem)> Set = new(Create);

    public static X509Certificate2 Ca => Set.Value.Ca;

    public static string CaPem => Ca.ExportCertificatePem();

    public static X509Certificate2 Server => Set.Value.Server;

    public static string ClientCertificatePem => Set.Value.ClientCertPem;

    public static string ClientKeyPem => Set.Value.ClientKeyPem;

    private static (X509Certificate2, X509Certificate2, string, string) Create()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=chunkgate-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serverPublic = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(30), [1, 2, 3, 4]);
        using var serverWithKey = serverPublic.CopyWithPrivateKey(serverKey);
        var server = X509CertificateLoader.LoadPkcs12(serverWithKey.Export(X509ContentType.Pkcs12), null);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=alice,O=designers", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(ca, now.AddDays(-1), now.AddDays(30), [5, 6, 7, 8]);
        return (ca, server, client.ExportCertificatePem(), clientKey.ExportECPrivateKeyPem());
    }
}
