using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// The configuration a Pod gets from its service account: <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>,
/// and <c>token</c>, <c>ca.crt</c>, <c>namespace</c> under the service-account directory (injectable
/// so tests need not write to /var/run). The token is re-read as it rotates.
/// </summary>
public sealed class InClusterConfig(Func<string, string?> getEnvironmentVariable, TimeProvider timeProvider, string serviceAccountDirectory = InClusterConfig.DefaultServiceAccountDirectory)
{
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public InClusterConfig()
        : this(Environment.GetEnvironmentVariable, TimeProvider.System)
    {
    }

    public bool IsAvailable =>
        !string.IsNullOrEmpty(getEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
        && File.Exists(Path.Combine(serviceAccountDirectory, "token"));

    public KubernetesClientConfiguration Load()
    {
        var host = getEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = getEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which are not both set");
        }

        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeConfigException($"in-cluster configuration: KUBERNETES_SERVICE_PORT '{port}' is not a port number");
        }

        var tokenFile = Path.Combine(serviceAccountDirectory, "token");
        if (!File.Exists(tokenFile))
        {
            throw new KubeConfigException($"in-cluster configuration: {tokenFile} does not exist (is a service account token mounted?)");
        }

        var caFile = Path.Combine(serviceAccountDirectory, "ca.crt");
        var authorities = new X509Certificate2Collection();
        if (File.Exists(caFile))
        {
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (CryptographicException ex)
            {
                throw new KubeConfigException($"in-cluster configuration: {caFile} is not a PEM certificate bundle: {ex.Message}", ex);
            }
        }

        var namespaceFile = Path.Combine(serviceAccountDirectory, "namespace");
        var ns = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : "";
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var credentials = new TokenFileProvider(tokenFile, timeProvider);
        _ = credentials.GetAuthorizationAsync(CancellationToken.None); // fails now, with the file named, if the token is unreadable
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{portNumber}"),
            ContextName = "in-cluster",
            Namespace = ns.Length == 0 ? "default" : ns,
            CertificateAuthorities = authorities,
            Credentials = credentials,
        };
    }
}
