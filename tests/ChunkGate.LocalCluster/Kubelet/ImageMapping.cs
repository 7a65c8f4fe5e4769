namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// What an image means to the process kubelet: like an image's ENTRYPOINT and CMD. A container's
/// <c>command</c> replaces <see cref="Entrypoint"/>, its <c>args</c> replace <see cref="Cmd"/>; an empty
/// entrypoint means the container's own command is run as a host executable (e.g. <c>/bin/sh</c>).
/// </summary>
internal sealed record ImageMapping(IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd)
{
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Variables set over the container's own env (<c>$(VAR)</c> expanded, <c>LOCALCLUSTER_POD_IP</c> included).
    /// A real Pod has its own network namespace, so two Pods both listen on 127.0.0.1:6432; here Pods share
    /// the host's, and an image that serves or reaches localhost is told to use its Pod's own loopback address.
    /// </summary>
    public IReadOnlyDictionary<string, string> OverrideEnvironment { get; init; } = new Dictionary<string, string>();
}
