using k8s.Models;

namespace ChunkGate.Kubernetes.Election;

public enum LeaseAction
{
    /// <summary>No Lease exists: create one naming us.</summary>
    Create,

    /// <summary>We hold it: write a new renewTime.</summary>
    Renew,

    /// <summary>It is free or expired: take it over (acquireTime now, transitions + 1).</summary>
    TakeOver,

    /// <summary>Someone else holds a valid lease: do nothing until it expires.</summary>
    Wait,
}

/// <summary>What to do with the Lease, and the spec to write for anything but <see cref="LeaseAction.Wait"/>.</summary>
public sealed record LeaseDecision(LeaseAction Action, V1LeaseSpec? Spec, DateTimeOffset? HeldUntil);

/// <summary>
/// The pure acquire-or-renew decision, as client-go makes it. Validity is judged from when this
/// replica last saw the lease record change (<paramref name="observedAt"/>), on its own clock, plus
/// the lease duration, never from the holder's timestamps, so clock skew between nodes does not matter.
/// </summary>
public static class LeaseDecider
{
    public static LeaseDecision Decide(V1LeaseSpec? current, DateTimeOffset observedAt, string identity, TimeSpan leaseDuration, DateTimeOffset now)
    {
        var durationSeconds = (int)Math.Ceiling(leaseDuration.TotalSeconds);
        if (current is null)
        {
            return new LeaseDecision(LeaseAction.Create, new V1LeaseSpec
            {
                HolderIdentity = identity,
                LeaseDurationSeconds = durationSeconds,
                AcquireTime = now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = 0,
            }, null);
        }

        var holder = current.HolderIdentity;
        if (holder == identity)
        {
            return new LeaseDecision(LeaseAction.Renew, new V1LeaseSpec
            {
                HolderIdentity = identity,
                LeaseDurationSeconds = durationSeconds,
                AcquireTime = current.AcquireTime ?? now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = current.LeaseTransitions ?? 0,
            }, null);
        }

        // The duration the holder advertised governs; fall back to ours if it wrote none.
        var heldFor = current.LeaseDurationSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : leaseDuration;
        var validUntil = observedAt + heldFor;
        if (!string.IsNullOrEmpty(holder) && now < validUntil)
        {
            return new LeaseDecision(LeaseAction.Wait, null, validUntil);
        }

        return new LeaseDecision(LeaseAction.TakeOver, new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = durationSeconds,
            AcquireTime = now.UtcDateTime,
            RenewTime = now.UtcDateTime,
            LeaseTransitions = (current.LeaseTransitions ?? 0) + (string.IsNullOrEmpty(holder) ? 0 : 1),
        }, null);
    }

    /// <summary>The spec that gives the lease up: no holder, so any candidate may take it at once.</summary>
    public static V1LeaseSpec Release(V1LeaseSpec held, DateTimeOffset now) => new()
    {
        HolderIdentity = "",
        LeaseDurationSeconds = 1,
        AcquireTime = now.UtcDateTime,
        RenewTime = now.UtcDateTime,
        LeaseTransitions = held.LeaseTransitions ?? 0,
    };

    /// <summary>Two records are the same observation when every field the holder writes matches.</summary>
    public static bool SameRecord(V1LeaseSpec? a, V1LeaseSpec? b) =>
        a is null ? b is null
        : b is not null && a.HolderIdentity == b.HolderIdentity && a.RenewTime == b.RenewTime && a.AcquireTime == b.AcquireTime
          && a.LeaseTransitions == b.LeaseTransitions && a.LeaseDurationSeconds == b.LeaseDurationSeconds;
}
