using System.Text.Json;
using ChunkGate.Kubernetes.Json;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>Status is written only when it changed: compared as the JSON the API server would store.</summary>
internal static class StatusEquality
{
    public static bool Same<T>(T next, T? previous)
        where T : class =>
        previous is not null && JsonSerializer.Serialize(next, KubernetesJsonOptions.Default) == JsonSerializer.Serialize(previous, KubernetesJsonOptions.Default);
}
