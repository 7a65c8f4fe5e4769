namespace ChunkGate.Kubernetes.Resources;

/// <summary>Query parameters of a list (and of the list half of list-then-watch).</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size; the server returns <c>metadata.continue</c> when more remain.</summary>
    public int? Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>Empty: most recent (quorum read). <c>0</c>: any cached state.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary><c>NotOlderThan</c> or <c>Exact</c>; only meaningful with <see cref="ResourceVersion"/>.</summary>
    public string? ResourceVersionMatch { get; init; }
}

/// <summary>Query parameters of a watch.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Start after this version; events newer than it are delivered.</summary>
    public string? ResourceVersion { get; init; }

    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>The server ends the watch after this long; the caller resumes from the last version seen.</summary>
    public int? TimeoutSeconds { get; init; }
}

public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch, <c>application/merge-patch+json</c>.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch, <c>application/json-patch+json</c>.</summary>
    Json,

    /// <summary>Kubernetes strategic merge patch (built-in kinds only), <c>application/strategic-merge-patch+json</c>.</summary>
    StrategicMerge,

    /// <summary>Server-side apply, <c>application/apply-patch+yaml</c>; needs a field manager.</summary>
    Apply,
}

internal static class PatchTypes
{
    public static string ContentType(PatchType type) => type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.Json => "application/json-patch+json",
        PatchType.StrategicMerge => "application/strategic-merge-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

public sealed record PodLogOptions
{
    public string? Container { get; init; }

    public long? TailLines { get; init; }

    public long? SinceSeconds { get; init; }

    public bool Previous { get; init; }

    public bool Timestamps { get; init; }

    public long? LimitBytes { get; init; }
}
