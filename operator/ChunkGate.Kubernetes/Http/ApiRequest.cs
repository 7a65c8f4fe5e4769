namespace ChunkGate.Kubernetes.Http;

/// <summary>One API call, rebuilt into a fresh HttpRequestMessage for every attempt.</summary>
internal sealed record ApiRequest(HttpMethod Method, string PathAndQuery, byte[]? Body = null, string? ContentType = null, bool Streaming = false)
{
    /// <summary>Only reads are repeated after a transport failure: a write may have been applied.</summary>
    public bool IsIdempotentRead => Method == HttpMethod.Get;

    public string Describe() => $"{Method} {PathAndQuery}";
}
