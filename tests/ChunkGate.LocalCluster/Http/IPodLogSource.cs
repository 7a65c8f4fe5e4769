using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Http;

/// <summary>Where <c>GET .../pods/{name}/log</c> reads from: the process kubelet's captured container output.</summary>
internal interface IPodLogSource
{
    /// <summary>Streams one container's log to <paramref name="output"/>; throws an ApiError when it has none yet.</summary>
    Task WriteLogAsync(JsonObject pod, string container, bool follow, long? tailLines, bool previous, Stream output, CancellationToken cancellationToken);
}
