using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.LocalCluster.Security;

/// <summary>
/// A throwaway CA generated per cluster, and the loopback serving certificate it signs. ECDSA keeps
/// start-up fast; the CA PEM goes into the kubeconfig's certificate-authority-data.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private readonly X509Certificate2 authority;

    private CertificateAuthority(X509Certificate2 authority) => this.authority = authority;

    public string CertificatePem => authority.ExportCertificatePem();

    public static CertificateAuthority Create(TimeProvider clock)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=chunkgate-local-cluster-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = clock.GetUtcNow();
        return new CertificateAuthority(request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30)));
    }

    /// <summary>A serving certificate for localhost / 127.0.0.1 / ::1 plus any extra DNS names, with its private key.</summary>
    public X509Certificate2 IssueServerCertificate(TimeProvider clock, params string[] extraDnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        foreach (var name in extraDnsNames)
        {
            names.AddDnsName(name);
        }

        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = clock.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddDays(29), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel on Linux wants a certificate whose key is not ephemeral: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose() => authority.Dispose();
}
