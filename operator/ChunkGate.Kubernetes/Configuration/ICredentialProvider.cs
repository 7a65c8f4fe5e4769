using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>Supplies the credential for each request; implementations cache and refresh as their source requires.</summary>
public interface ICredentialProvider
{
    /// <summary>The Authorization header for the next request, or null when the credential is a client certificate only.</summary>
    ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken);

    /// <summary>A client certificate obtained at run time (exec plugins may return one), or null.</summary>
    X509Certificate2? CurrentClientCertificate => null;

    /// <summary>
    /// Called after a 401: drop any cached credential so the next call fetches a fresh one.
    /// Returns whether a retry can yield a different credential.
    /// </summary>
    bool Invalidate() => false;

    /// <summary>What kind of credential this is, for logs; never the credential itself.</summary>
    string Describe();
}

internal sealed class StaticTokenProvider(string token) : ICredentialProvider
{
    private readonly AuthenticationHeaderValue header = new("Bearer", token);

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) => new(header);

    public string Describe() => "bearer token";
}

internal sealed class BasicAuthProvider(string username, string password) : ICredentialProvider
{
    private readonly AuthenticationHeaderValue header = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{username}:{password}")));

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken) => new(header);

    public string Describe() => $"basic auth as {username}";
}
