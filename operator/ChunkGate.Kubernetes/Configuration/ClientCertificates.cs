using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Configuration;

internal static class ClientCertificates
{
    /// <summary>Pairs a PEM certificate with its PEM key (RSA or EC); the error never echoes key material.</summary>
    public static X509Certificate2 FromPem(string certificatePem, string keyPem, string field)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException ex)
        {
            throw new KubeConfigException($"{field}: client certificate and key do not form a usable pair ({ex.GetType().Name})", ex);
        }
    }
}
