using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Operator.Certificates;

/// <summary>Issues the webhook's CA and serving certificates (ECDSA P-256) at a given time.</summary>
internal static class CertificateIssuer
{
    /// <summary>Certificates start a little in the past so a clock slightly behind ours still accepts them.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    /// <summary>A new CA and a serving certificate it signs; the previous CA stays in the bundle until it expires, so in-flight trust is not cut.</summary>
    public static CertificateBundle IssueAll(IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan validity, CertificateBundle? previous)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=chunkgate-webhook-ca", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var ca = request.CreateSelfSigned(now - Backdate, now + CaValidity(validity));
        var bundle = ca.ExportCertificatePem();
        if (previous is not null)
        {
            foreach (var old in previous.LoadCaBundle().Where(c => c.NotAfter > now.UtcDateTime && c.Thumbprint != ca.Thumbprint).Take(1))
            {
                bundle += "\n" + old.ExportCertificatePem();
            }
        }

        var authority = new CertificateBundle(bundle, caKey.ExportPkcs8PrivateKeyPem(), "", "");
        return IssueServing(authority, dnsNames, now, validity);
    }

    /// <summary>A new serving certificate from the bundle's current CA.</summary>
    public static CertificateBundle IssueServing(CertificateBundle authorityBundle, IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan validity)
    {
        using var authority = authorityBundle.LoadAuthority();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = Min(now + validity, authority.NotAfter);
        using var issued = request.Create(authority, now - Backdate, notAfter, serial);
        return authorityBundle with { CertificatePem = issued.ExportCertificatePem(), KeyPem = key.ExportPkcs8PrivateKeyPem() };
    }

    /// <summary>The CA outlives several serving certificates, so most rotations leave the caBundle as it is.</summary>
    public static TimeSpan CaValidity(TimeSpan servingValidity) => servingValidity * 4;

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b) => a.UtcDateTime < b.ToUniversalTime() ? a : new DateTimeOffset(b.ToUniversalTime());
}
