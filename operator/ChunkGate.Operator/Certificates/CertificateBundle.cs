using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ChunkGate.Operator.Certificates;

/// <summary>
/// The webhook's CA and serving certificate as kept in the Secret: <c>ca.crt</c> (the CA bundle the
/// API server trusts: the current CA, and the previous one while it is still valid), <c>ca.key</c>,
/// <c>tls.crt</c>, <c>tls.key</c>, all PEM.
/// </summary>
internal sealed record CertificateBundle(string CaBundlePem, string CaKeyPem, string CertificatePem, string KeyPem)
{
    public const string CaBundleKey = "ca.crt";
    public const string CaKeyKey = "ca.key";
    public const string CertificateKey = "tls.crt";
    public const string KeyKey = "tls.key";

    public IDictionary<string, byte[]> ToSecretData() => new Dictionary<string, byte[]>
    {
        [CaBundleKey] = Encoding.UTF8.GetBytes(CaBundlePem),
        [CaKeyKey] = Encoding.UTF8.GetBytes(CaKeyPem),
        [CertificateKey] = Encoding.UTF8.GetBytes(CertificatePem),
        [KeyKey] = Encoding.UTF8.GetBytes(KeyPem),
    };

    /// <summary>The bundle in a Secret's data, or null when any part is missing or unreadable (then a new one is issued).</summary>
    public static CertificateBundle? FromSecretData(IDictionary<string, byte[]>? data)
    {
        string? Read(string key) => data is not null && data.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        if (Read(CaBundleKey) is not { } ca || Read(CaKeyKey) is not { } caKey || Read(CertificateKey) is not { } cert || Read(KeyKey) is not { } key)
        {
            return null;
        }

        var bundle = new CertificateBundle(ca, caKey, cert, key);
        try
        {
            using var serving = bundle.LoadServingCertificate();
            using var authority = bundle.LoadAuthority();
            return bundle;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The current CA (the first in the bundle) with its key.</summary>
    public X509Certificate2 LoadAuthority()
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(CaKeyPem);
        using var certificate = X509Certificate2.CreateFromPem(CaBundlePem);
        return certificate.CopyWithPrivateKey(ecdsa);
    }

    public X509Certificate2Collection LoadCaBundle()
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(CaBundlePem);
        return collection;
    }

    /// <summary>The serving certificate with its key, loaded as Kestrel on Linux needs it (not an ephemeral key).</summary>
    public X509Certificate2 LoadServingCertificate() => LoadServing(CertificatePem, KeyPem);

    /// <summary>The first certificate of <paramref name="certificatePem"/> (a chain may follow) with its key (RSA or ECDSA, PKCS#1, SEC1 or PKCS#8).</summary>
    public static X509Certificate2 LoadServing(string certificatePem, string keyPem)
    {
        using var pem = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
