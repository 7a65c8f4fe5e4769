namespace ChunkGate.Operator.Decisions;

/// <summary>Why an approval does or does not count toward a run. Each value maps to one Event reason.</summary>
public enum ApprovalVerdict
{
    Valid,

    /// <summary>The admission webhook's approver stamp is missing: the controller trusts nothing else.</summary>
    NotStamped,

    /// <summary>The job has no designer stamp, so nobody can be shown not to be its designer.</summary>
    DesignerUnknown,

    ByDesigner,

    /// <summary>The approver's stamped groups share none with the connection's executor groups (as they are now).</summary>
    NotAnExecutor,

    /// <summary>Bound to a spec hash other than the job's current one (the spec changed, or it never matched).</summary>
    StaleSpec,

    /// <summary>The ttl does not parse, or exceeds the connection's maxTTL.</summary>
    TtlAboveCap,

    Expired,

    /// <summary>Consumed by a run other than the active one; one approval, one run.</summary>
    Consumed,

    /// <summary>Being deleted: an early revocation.</summary>
    Withdrawn,

    OtherNamespace,

    /// <summary>Stamped with the uid of another job of the same name: one deleted and created again.</summary>
    OtherJob,

    /// <summary>The same executor has another counted approval; one person counts once.</summary>
    SameApprover,
}
