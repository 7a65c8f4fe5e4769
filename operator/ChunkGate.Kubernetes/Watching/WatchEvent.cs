using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Watching;

/// <summary>
/// One watch event. <see cref="WatchEventType.Error"/> carries its Status as a value (code 410,
/// reason Expired, means re-list) where the official watch hands it to an error callback.
/// </summary>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, V1Status? Status)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public string? ResourceVersion => Object?.Metadata?.ResourceVersion;

    public bool IsExpired => Type == WatchEventType.Error && (Status?.Code == 410 || Status?.Reason is "Expired" or "Gone");
}

/// <summary>A line of the watch stream that could not be decoded; the watch goes on without it.</summary>
public sealed record WatchDecodeError(string Problem, int LineLength);
