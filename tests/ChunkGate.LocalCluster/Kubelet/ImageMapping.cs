namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// What an image means to the process kubelet: like an image's ENTRYPOINT and CMD. A container's
/// <c>command</c> replaces <see cref="Entrypoint"/>, its <c>args</c> replace <see cref="Cmd"/>; an empty
/// entrypoint means the container's own command is run as a host executable (e.g. <c>/bin/sh</c>).
/// </summary>
internal sealed record ImageMapping(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
