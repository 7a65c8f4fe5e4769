using System.Security.Cryptography.X509Certificates;
using ChunkGate.Operator.Hosting;

namespace ChunkGate.Operator.Certificates;

/// <summary>
/// The certificate Kestrel presents, read on every TLS handshake (its certificate selector), so a
/// rotated certificate is served at once, without a restart. Ready once a certificate is loaded and
/// the webhook configurations trust it.
/// </summary>
internal sealed class ServingCertificate : IReadinessCheck
{
    private volatile X509Certificate2? current;
    private volatile bool registered;

    public string Name => "webhook-certificate";

    public bool IsReady => current is not null && registered;

    public X509Certificate2? Current => current;

    /// <summary>Swaps in a new certificate. The old one is not disposed: handshakes in flight may still hold it.</summary>
    public void Serve(X509Certificate2 certificate) => current = certificate;

    public void MarkRegistered() => registered = true;
}
