using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Watching;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Only <c>metadata.resourceVersion</c> is meaningful: the watch has seen everything up to it.</summary>
    Bookmark,

    /// <summary><see cref="WatchEvent{T}.Status"/> explains it; code 410 (reason Expired) means re-list.</summary>
    Error,
}

public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, Status? Status)
    where T : class, IKubernetesObject
{
    public string? ResourceVersion => Object?.Metadata.ResourceVersion;

    public bool IsExpired => Type == WatchEventType.Error && (Status?.Code == 410 || Status?.Reason is "Expired" or "Gone");
}

/// <summary>A line of the watch stream that could not be decoded; the watch goes on without it.</summary>
public sealed record WatchDecodeError(string Problem, int LineLength);
