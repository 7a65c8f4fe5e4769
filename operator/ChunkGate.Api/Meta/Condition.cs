using System.ComponentModel;
using ChunkGate.Api.Schema;

namespace ChunkGate.Api.Meta;

/// <summary>A status condition, shaped like <c>metav1.Condition</c>.</summary>
public sealed class Condition
{
    [Required, Description("Condition type, e.g. Approved, Ready, Expired."), Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"), Length(1, 316)]
    public string Type { get; set; } = "";

    [Required]
    public ConditionStatus Status { get; set; }

    [Required, Description("CamelCase reason for the last transition."), Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"), Length(1, 1024)]
    public string Reason { get; set; } = "";

    [Description("Human-readable detail of the last transition."), Length(0, 32768)]
    public string Message { get; set; } = "";

    [Required, Description("When the status last changed (not when it was last checked).")]
    public DateTimeOffset LastTransitionTime { get; set; }

    [Description("The metadata.generation this condition was computed from."), Range(0, long.MaxValue)]
    public long? ObservedGeneration { get; set; }
}

public enum ConditionStatus
{
    True,
    False,
    Unknown,
}
