using System.Net.Http.Headers;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// A bearer token read from a file and re-read periodically, because projected service-account
/// tokens are rotated by the kubelet (client-go re-reads every minute). A failed re-read keeps the
/// last good token rather than failing requests.
/// </summary>
internal sealed class TokenFileProvider(string path, TimeProvider timeProvider) : ICredentialProvider
{
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private AuthenticationHeaderValue? header;
    private DateTimeOffset readAt;

    public ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var now = timeProvider.GetUtcNow();
            if (header is null || now - readAt >= RefreshPeriod)
            {
                Read(now);
            }

            return new(header);
        }
    }

    public bool Invalidate()
    {
        lock (gate)
        {
            readAt = DateTimeOffset.MinValue;
            return true;
        }
    }

    public string Describe() => $"token file {path}";

    private void Read(DateTimeOffset now)
    {
        string token;
        try
        {
            token = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && header is not null)
        {
            readAt = now;
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"token file {path} cannot be read: {ex.Message}", ex);
        }

        if (token.Length == 0)
        {
            if (header is null)
            {
                throw new KubeConfigException($"token file {path} is empty");
            }

            return;
        }

        header = new AuthenticationHeaderValue("Bearer", token);
        readAt = now;
    }
}
