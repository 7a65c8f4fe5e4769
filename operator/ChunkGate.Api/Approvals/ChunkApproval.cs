using System.ComponentModel;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Meta;
using ChunkGate.Api.Schema;

namespace ChunkGate.Api.Approvals;

[KubernetesEntity("ChunkApproval", "chunkapprovals", ShortNames = ["ca", "cappr"], Categories = ["chunkgate"],
    Description = "A one-time, time-boxed approval of one ChunkJob's current spec by an executor who did not design it.")]
[PrinterColumn(0, "Job", PrinterColumnType.String, ".spec.jobRef.name")]
[PrinterColumn(1, "Approver", PrinterColumnType.String, ".spec.approver")]
[PrinterColumn(2, "Phase", PrinterColumnType.String, ".status.phase")]
[PrinterColumn(3, "Expires", PrinterColumnType.String, ".spec.expiresAt")]
[PrinterColumn(4, "Age", PrinterColumnType.Date, ".metadata.creationTimestamp")]
[PrinterColumn(5, "Reason", PrinterColumnType.String, ".spec.reason", Priority = 1)]
public sealed class ChunkApproval() : CustomResource<ChunkApprovalSpec, ChunkApprovalStatus>("ChunkApproval");

/// <summary>
/// The approver stamps (<see cref="Approver"/>, <see cref="ApproverGroups"/>, <see cref="ExpiresAt"/>)
/// live in spec, as cert-manager's CertificateRequest does with its requester: status is wiped on
/// create, and the admission webhook must be able to set them. The webhook replaces whatever a user
/// supplies and refuses any later change.
/// </summary>
public sealed class ChunkApprovalSpec : ResourceSpec
{
    [Required, Description("The ChunkJob (same namespace) being approved. Immutable.")]
    public NameReference JobRef { get; set; } = new();

    [Required, Description("How long the approval lasts from creation, as a duration (90s, 10m, 1h30m); at most the connection's maxTTL."),
     Pattern(KubeDuration.Pattern)]
    public string Ttl { get; set; } = "";

    [Required, Description("Ticket or justification, recorded in the audit trail."), Length(1, 1024)]
    public string Reason { get; set; } = "";

    [Description("Spec hash of the job the executor reviewed; filled in from the job's current spec when absent. The approval is void if the job's spec changes."),
     Pattern(SpecHash.Pattern)]
    public string? JobSpecHash { get; set; }

    [Description("Set by the admission webhook from the authenticated user; any user-supplied value is replaced.")]
    public string? Approver { get; set; }

    [Description("Set by the admission webhook: the approver's groups at approval time.")]
    public List<string>? ApproverGroups { get; set; }

    [Description("Set by the admission webhook: creation time plus ttl.")]
    public DateTimeOffset? ExpiresAt { get; set; }

    [Description("Set by the admission webhook: the uid of the ChunkJob approved. A job deleted and created again under the same name is another job, which this approval does not approve.")]
    public string? JobUid { get; set; }
}

public enum ApprovalPhase
{
    /// <summary>Valid and not yet used by a run.</summary>
    Active,
    /// <summary>Used by exactly one run; never reusable.</summary>
    Consumed,
    Expired,
    /// <summary>The job's spec changed after approval.</summary>
    Voided,
}

public sealed class ChunkApprovalStatus
{
    public long? ObservedGeneration { get; set; }

    public ApprovalPhase? Phase { get; set; }

    [Description("UID of the run that consumed this approval.")]
    public string? ConsumedBy { get; set; }

    [ListMapKey("type")]
    public List<Condition>? Conditions { get; set; }
}
