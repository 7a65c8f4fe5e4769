namespace ChunkGate.Operator.Certificates;

/// <summary>Who issues the webhook's serving certificate (<c>--certificate-source</c>).</summary>
public enum CertificateSource
{
    /// <summary>The operator: its own CA in its Secret, rotated before expiry, caBundle written by the operator.</summary>
    Self,

    /// <summary>
    /// cert-manager: a Certificate writes the Secret (tls.crt, tls.key, ca.crt) and renews it; the
    /// operator only serves what is there, reloading it when it changes, and cert-manager's CA injector
    /// fills caBundle (annotation <c>cert-manager.io/inject-ca-from</c> on the webhook configurations).
    /// </summary>
    CertManager,
}
