namespace ChunkGate.LocalCluster.Hosting;

/// <summary>How to start a local cluster. Every property has a sensible default for tests.</summary>
internal sealed record LocalClusterOptions
{
    /// <summary>Where the kubeconfig, token file, CA and Pod directories go; a fresh temp directory when null.</summary>
    public string? Directory { get; init; }

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>YAML files or directories of manifests applied at start-up (e.g. <c>crds/</c>), as <c>kubectl apply -f</c> would.</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    /// <summary>Image name → local executable mapping for the process kubelet; no kubelet runs when null and no file is given.</summary>
    public IReadOnlyDictionary<string, Kubelet.ImageMapping>? Images { get; init; }

    /// <summary>A YAML image-map file (see README.md); merged under <see cref="Images"/>.</summary>
    public string? ImageMapFile { get; init; }

    /// <summary>How often watchers that allow bookmarks get one (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Events kept for watch resumption before older resourceVersions answer 410 Gone.</summary>
    public int WatchHistoryCapacity { get; init; } = 20_000;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Writes request failures and kubelet activity to stderr when true.</summary>
    public bool Verbose { get; init; }
}
