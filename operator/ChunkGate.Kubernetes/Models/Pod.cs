using System.Text.Json;
using System.Text.Json.Serialization;
namespace ChunkGate.Kubernetes.Models;

/// <summary>core/v1 Pod, limited to the fields a run Pod needs (unknown fields are dropped on read).</summary>
public sealed class Pod : KubernetesObject
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public PodSpec Spec { get; set; } = new();

    public PodStatus? Status { get; set; }
}

public sealed class PodSpec
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public List<Container> Containers { get; set; } = [];

    public List<Container>? InitContainers { get; set; }

    /// <summary><c>Always</c>, <c>OnFailure</c> or <c>Never</c>.</summary>
    public string? RestartPolicy { get; set; }

    /// <summary>Hard wall-clock limit enforced by the kubelet, independent of any controller.</summary>
    public long? ActiveDeadlineSeconds { get; set; }

    public long? TerminationGracePeriodSeconds { get; set; }

    public string? ServiceAccountName { get; set; }

    public bool? AutomountServiceAccountToken { get; set; }

    public bool? EnableServiceLinks { get; set; }

    public PodSecurityContext? SecurityContext { get; set; }

    public List<Volume>? Volumes { get; set; }

    public Dictionary<string, string>? NodeSelector { get; set; }
}

public sealed class Container
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public string? Image { get; set; }

    public string? ImagePullPolicy { get; set; }

    public List<string>? Command { get; set; }

    public List<string>? Args { get; set; }

    public List<EnvVar>? Env { get; set; }

    public List<ContainerPort>? Ports { get; set; }

    public ResourceRequirements? Resources { get; set; }

    public List<VolumeMount>? VolumeMounts { get; set; }

    public SecurityContext? SecurityContext { get; set; }

    public string? TerminationMessagePath { get; set; }

    /// <summary><c>File</c> or <c>FallbackToLogsOnError</c>.</summary>
    public string? TerminationMessagePolicy { get; set; }

    /// <summary><c>Always</c> on an init container makes it a native sidecar.</summary>
    public string? RestartPolicy { get; set; }
}

public sealed class EnvVar
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public string? Value { get; set; }

    public EnvVarSource? ValueFrom { get; set; }
}

public sealed class EnvVarSource
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public SecretKeySelector? SecretKeyRef { get; set; }

    public ConfigMapKeySelector? ConfigMapKeyRef { get; set; }

    public ObjectFieldSelector? FieldRef { get; set; }
}

public sealed class SecretKeySelector
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public string Key { get; set; } = "";

    public bool? Optional { get; set; }
}

public sealed class ConfigMapKeySelector
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public string Key { get; set; } = "";

    public bool? Optional { get; set; }
}

public sealed class ObjectFieldSelector
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string FieldPath { get; set; } = "";

    public string? ApiVersion { get; set; }
}

public sealed class ContainerPort
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Name { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("containerPort")]
    public int Number { get; set; }

    public string? Protocol { get; set; }
}

public sealed class ResourceRequirements
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>Quantities kept as the API's strings (<c>500m</c>, <c>128Mi</c>).</summary>
    public Dictionary<string, string>? Limits { get; set; }

    public Dictionary<string, string>? Requests { get; set; }
}

public sealed class VolumeMount
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public string MountPath { get; set; } = "";

    public bool? ReadOnly { get; set; }

    public string? SubPath { get; set; }
}

public sealed class Volume
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public SecretVolumeSource? Secret { get; set; }

    public EmptyDirVolumeSource? EmptyDir { get; set; }
}

public sealed class SecretVolumeSource
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? SecretName { get; set; }

    public List<KeyToPath>? Items { get; set; }

    public int? DefaultMode { get; set; }

    public bool? Optional { get; set; }
}

public sealed class KeyToPath
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Key { get; set; } = "";

    public string Path { get; set; } = "";

    public int? Mode { get; set; }
}

public sealed class EmptyDirVolumeSource
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Medium { get; set; }

    public string? SizeLimit { get; set; }
}

public sealed class PodSecurityContext
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public bool? RunAsNonRoot { get; set; }

    public long? RunAsUser { get; set; }

    public long? RunAsGroup { get; set; }

    public long? FsGroup { get; set; }

    public SeccompProfile? SeccompProfile { get; set; }
}

public sealed class SecurityContext
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public bool? AllowPrivilegeEscalation { get; set; }

    public bool? ReadOnlyRootFilesystem { get; set; }

    public bool? RunAsNonRoot { get; set; }

    public long? RunAsUser { get; set; }

    public long? RunAsGroup { get; set; }

    public bool? Privileged { get; set; }

    public Capabilities? Capabilities { get; set; }

    public SeccompProfile? SeccompProfile { get; set; }
}

public sealed class Capabilities
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public List<string>? Add { get; set; }

    public List<string>? Drop { get; set; }
}

public sealed class SeccompProfile
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary><c>RuntimeDefault</c>, <c>Localhost</c> or <c>Unconfined</c>.</summary>
    public string Type { get; set; } = "RuntimeDefault";

    public string? LocalhostProfile { get; set; }
}

public sealed class PodStatus
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary><c>Pending</c>, <c>Running</c>, <c>Succeeded</c>, <c>Failed</c> or <c>Unknown</c>.</summary>
    public string? Phase { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string? PodIP { get; set; }

    public DateTimeOffset? StartTime { get; set; }

    public List<PodCondition>? Conditions { get; set; }

    public List<ContainerStatus>? ContainerStatuses { get; set; }

    public List<ContainerStatus>? InitContainerStatuses { get; set; }
}

public sealed class PodCondition
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Type { get; set; } = "";

    public string Status { get; set; } = "";

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public DateTimeOffset? LastTransitionTime { get; set; }
}

public sealed class ContainerStatus
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string Name { get; set; } = "";

    public bool Ready { get; set; }

    public int RestartCount { get; set; }

    public string? Image { get; set; }

    public bool? Started { get; set; }

    public ContainerState? State { get; set; }

    public ContainerState? LastState { get; set; }
}

public sealed class ContainerState
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public ContainerStateWaiting? Waiting { get; set; }

    public ContainerStateRunning? Running { get; set; }

    public ContainerStateTerminated? Terminated { get; set; }
}

public sealed class ContainerStateWaiting
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }
}

public sealed class ContainerStateRunning
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public DateTimeOffset? StartedAt { get; set; }
}

public sealed class ContainerStateTerminated
{
    /// <summary>Fields this model does not declare, kept so a read-modify-write never drops what the server set.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }

    public int ExitCode { get; set; }

    public int? Signal { get; set; }

    public string? Reason { get; set; }

    /// <summary>The container's termination message (from its termination-log file, or logs on error).</summary>
    public string? Message { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
