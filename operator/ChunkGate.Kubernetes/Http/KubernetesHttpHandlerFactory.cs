using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ChunkGate.Kubernetes.Configuration;

namespace ChunkGate.Kubernetes.Http;

/// <summary>
/// The one pooled handler per API server. HTTP/2 is negotiated by ALPN when the server offers it
/// (many watches then share one connection); pings detect dead watch connections.
/// </summary>
internal static class KubernetesHttpHandlerFactory
{
    public static SocketsHttpHandler Create(KubernetesClientConfiguration configuration)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = DecompressionMethods.GZip,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = true,
            Proxy = configuration.Proxy is { } proxy ? new WebProxy(proxy) : null, // null: the environment's proxy settings
        };
        handler.SslOptions = CreateSslOptions(configuration);
        return handler;
    }

    private static SslClientAuthenticationOptions CreateSslOptions(KubernetesClientConfiguration configuration)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = configuration.TlsServerName,
        };
        if (configuration.InsecureSkipTlsVerify)
        {
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (configuration.CertificateAuthorities.Count > 0)
        {
            var authorities = configuration.CertificateAuthorities;
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateAgainst(authorities, certificate, errors);
        }

        if (configuration.ClientCertificate is { } clientCertificate)
        {
            options.ClientCertificates = [clientCertificate];
        }
        else if (configuration.Credentials is { } credentials)
        {
            // Exec plugins may hand out a client certificate at run time.
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => credentials.CurrentClientCertificate!;
        }

        return options;
    }

    /// <summary>Trusts exactly the configured CA bundle (not the system store), while still checking the host name.</summary>
    private static bool ValidateAgainst(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
