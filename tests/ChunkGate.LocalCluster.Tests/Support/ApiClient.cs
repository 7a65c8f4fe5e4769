using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Hosting;

namespace ChunkGate.LocalCluster.Tests.Support;

/// <summary>Raw HTTPS access to the stand-in (trusting only its CA), for wire-level facts kubectl hides.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient http;
    private readonly X509Certificate2Collection roots = [];

    public ApiClient(LocalClusterHost cluster, string? user = "admin")
    {
        roots.ImportFromPem(cluster.CaCertificatePem);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
        http = new HttpClient(handler) { BaseAddress = cluster.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (user is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Tokens[user]);
        }
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A request with exactly the given Accept header and body media type (content negotiation).</summary>
    public async Task<(int Status, JsonNode? Body)> NegotiateAsync(HttpMethod method, string path, string accept, string? body = null, string? contentType = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<(string ContentType, string Body)> GetRawAsync(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        return (response.Content.Headers.ContentType?.ToString() ?? "", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens a watch and returns its event lines as they arrive.</summary>
    public async Task<WatchReader> WatchAsync(string pathAndQuery)
    {
        var response = await http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead);
        return new WatchReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public void Dispose() => http.Dispose();
}

internal sealed class WatchReader(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    public int Status => (int)response.StatusCode;

    public async Task<JsonObject?> NextAsync(int timeoutSeconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var line = await reader.ReadLineAsync(timeout.Token);
        return line is null ? null : JsonNode.Parse(line) as JsonObject;
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
