using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// Everything needed to reach one API server as one identity, resolved from a kubeconfig or from
/// the in-cluster service account. Credential material stays inside; <see cref="ToString"/> omits it.
/// </summary>
public sealed class KubernetesClientConfiguration
{
    public required Uri Server { get; init; }

    /// <summary>Default namespace of the context (or of the service account), <c>default</c> when unset.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Name of the kubeconfig context this came from, or <c>in-cluster</c>.</summary>
    public string ContextName { get; init; } = "";

    /// <summary>Certificates to trust for the server instead of the system store; empty means the system store.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; init; } = [];

    public bool InsecureSkipTlsVerify { get; init; }

    public string? TlsServerName { get; init; }

    /// <summary>Proxy for every request (kubeconfig <c>proxy-url</c>); null uses HTTPS_PROXY/NO_PROXY from the environment, as client-go does.</summary>
    public Uri? Proxy { get; init; }

    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Bearer token, token file, basic auth or exec plugin; null for anonymous or client-certificate only.</summary>
    public ICredentialProvider? Credentials { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string UserAgent { get; init; } = "chunkgate-operator";

    public override string ToString() =>
        $"{ContextName} -> {Server} (namespace {Namespace}, auth {Credentials?.Describe() ?? (ClientCertificate is null ? "anonymous" : "client certificate")})";
}
