using ChunkGate.Kubernetes.Http;

namespace ChunkGate.Kubernetes.Resources;

/// <summary>Reads a Pod's container log (<c>GET …/pods/{name}/log</c>), whole or streamed.</summary>
public sealed class PodLogs(KubernetesClient client)
{
    public Task<string> ReadAsync(string namespaceName, string podName, PodLogOptions? options = null, CancellationToken cancellationToken = default) =>
        client.SendForTextAsync(new ApiRequest(HttpMethod.Get, Path(namespaceName, podName, options ?? new PodLogOptions(), follow: false)), cancellationToken);

    /// <summary>Follows the log until the container ends or <paramref name="cancellationToken"/> fires. Dispose the stream.</summary>
    public async Task<Stream> FollowAsync(string namespaceName, string podName, PodLogOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await client.SendAsync(new ApiRequest(HttpMethod.Get, Path(namespaceName, podName, options ?? new PodLogOptions(), follow: true), Streaming: true), cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Path(string namespaceName, string podName, PodLogOptions options, bool follow) =>
        ResourceType.Pods.ObjectPath(namespaceName, podName, "log") + new QueryString()
            .Add("container", options.Container)
            .Add("tailLines", options.TailLines)
            .Add("sinceSeconds", options.SinceSeconds)
            .Add("limitBytes", options.LimitBytes)
            .Add("previous", options.Previous)
            .Add("timestamps", options.Timestamps)
            .Add("follow", follow);
}
