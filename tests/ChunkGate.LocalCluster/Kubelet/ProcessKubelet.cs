using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Http;
using ChunkGate.LocalCluster.Semantics;

namespace ChunkGate.LocalCluster.Kubelet;

internal sealed class ProcessKubelet(ResourceService resources, ImageMap images, string root, TimeProvider clock, TextWriter log) : IPodLogSource
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        _ = (resources, images, root, clock, log);
        return Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task StopAllAsync() => Task.CompletedTask;

    public Task WriteLogAsync(JsonObject pod, string container, bool follow, long? tailLines, bool previous, Stream output, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
