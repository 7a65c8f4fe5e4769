using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Decisions;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>What an object found under one of a run's names is to the operator.</summary>
public enum Ownership
{
    /// <summary>Nothing holds the name: create it.</summary>
    Absent,

    /// <summary>The uid the job's status records: the operator created it.</summary>
    Ours,

    /// <summary>Another uid (planted, or the operator's own created just before a crash left it unrecorded): delete it and create the operator's own.</summary>
    Foreign,

    /// <summary>Another uid, being deleted but held by finalizers: the name stays taken, and waiting would block the run silently.</summary>
    ForeignStuck,

    /// <summary>Another uid being deleted with nothing holding it: it goes by itself shortly.</summary>
    ForeignLeaving,
}

/// <summary>
/// Which objects under a run's names the operator created. Names are predictable and anyone who
/// may create Secrets, Pods or ConfigMaps in the namespace can take one first, with any labels and
/// an ownerReference to the ChunkJob (neither proves anything). A uid does: the API server assigns
/// it, and the operator records the uid of each object it creates in the job's status, which the
/// validating webhook lets only the operator write. So an object is the operator's only if its uid
/// is recorded; anything else under the name is foreign, whoever made it.
/// </summary>
/// <remarks>
/// The crash window: an object created and not yet recorded is, to a restarted operator, foreign:
/// it is deleted and created again. That is safe because each object is recorded before anything
/// depends on it: the Secret before any Pod mounts it (a second issue of the same run ALTERs the
/// same role's password, which no Pod has seen yet: no second role, no leak); a Pod before its logs
/// are counted (a Pod deleted that soon has done at most a few chunks, which are idempotent and
/// checkpointed); the recording before the Pods, whose logs it is rebuilt from, are deleted.
/// Pods are the exception: a Pod is first recorded as requested (an empty uid) before it is
/// created, so a Pod the operator may have created is never created a second time. A requested or
/// recorded Pod that is not there is <see cref="PodState.Lost"/>, and the run ends.
/// </remarks>
public static class RunObjects
{
    public const string SecretKind = "Secret";
    public const string PodKind = "Pod";

    public static Ownership Judge(string? recordedUid, V1ObjectMeta? found)
    {
        if (found is null)
        {
            return Ownership.Absent;
        }

        if (recordedUid is { Length: > 0 } && string.Equals(found.Uid, recordedUid, StringComparison.Ordinal))
        {
            return Ownership.Ours;
        }

        if (found.DeletionTimestamp is null)
        {
            return Ownership.Foreign;
        }

        return found.Finalizers is { Count: > 0 } ? Ownership.ForeignStuck : Ownership.ForeignLeaving;
    }

    /// <summary>The uid of a Pod requested and not yet known to be created (a crash may have hidden its creation).</summary>
    public const string RequestedUid = "";

    /// <summary>
    /// The run's Pod <paramref name="name"/>: Absent when never requested (it is created; a foreign
    /// one holding the name is removed first); Lost when requested or created and now missing,
    /// replaced, or being deleted before it finished; else its phase.
    /// </summary>
    public static PodState PodStateOf(RunStatus run, string name, V1Pod? found)
    {
        var recorded = RecordedUid(run, PodKind, name);
        if (recorded is null)
        {
            return PodState.Absent;
        }

        if (found is null || Judge(recorded, found.Metadata) != Ownership.Ours)
        {
            return PodState.Lost;
        }

        return found.Status?.Phase switch
        {
            "Succeeded" => PodState.Succeeded,
            "Failed" => PodState.Failed,
            _ when found.Metadata.DeletionTimestamp is not null => PodState.Lost,
            "Running" => PodState.Running,
            _ => PodState.Pending,
        };
    }

    public static string? RecordedUid(RunStatus run, string kind, string name) =>
        run.Created?.FirstOrDefault(c => c.Kind == kind && c.Name == name)?.Uid;

    public static bool IsOurs(RunStatus run, string kind, V1ObjectMeta? found) =>
        Judge(RecordedUid(run, kind, found?.Name ?? ""), found) == Ownership.Ours;

    /// <summary>The run record with <paramref name="uid"/> as the object under <paramref name="name"/> (a new object, the given one untouched); <see cref="RequestedUid"/> for a Pod about to be created.</summary>
    public static RunStatus Recording(RunStatus run, string kind, string name, string uid)
    {
        var next = ObjectCopies.Deep(run);
        next.Created = [.. (run.Created ?? []).Where(c => !(c.Kind == kind && c.Name == name)), new CreatedObject { Kind = kind, Name = name, Uid = uid }];
        return next;
    }

    /// <summary>
    /// Whether a Pod can read the Secret (a volume, a projected volume, an env var or envFrom):
    /// a foreign Pod that mounts the run's Secret has the run's credential and masking key.
    /// </summary>
    public static bool Mounts(V1Pod pod, string secret)
    {
        var spec = pod.Spec;
        if (spec is null)
        {
            return false;
        }

        var volumes = (spec.Volumes ?? []).Any(v => v.Secret?.SecretName == secret
            || (v.Projected?.Sources ?? []).Any(s => s.Secret?.Name == secret));
        var environments = (spec.Containers ?? []).Concat(spec.InitContainers ?? []).Select(c => (c.Env, c.EnvFrom))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c.Env, c.EnvFrom)));
        return volumes || environments.Any(c =>
            (c.Env ?? []).Any(e => e.ValueFrom?.SecretKeyRef?.Name == secret)
            || (c.EnvFrom ?? []).Any(e => e.SecretRef?.Name == secret));
    }
}
