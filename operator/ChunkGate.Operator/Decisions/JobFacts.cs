using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Operator.Decisions;

/// <summary>
/// One ChunkJob as the controller observed it. <see cref="SpecHash"/> is computed from the spec JSON
/// as the API server stores it; <see cref="Designer"/> is the admission webhook's stamp (null when absent).
/// </summary>
public sealed record JobFacts(
    string Namespace,
    string Name,
    string Uid,
    long Generation,
    string? Designer,
    string SpecHash,
    ChunkJobSpec Spec,
    JobPhase? PreviousPhase = null,
    int RunsStarted = 0,
    bool Deleting = false);

/// <summary>The run Pod as observed: what the run's job container reported by ending.</summary>
public enum PodState
{
    Absent,
    Pending,
    Running,
    Succeeded,
    Failed,

    /// <summary>Created by the operator for the run (or requested: a crash may have hidden its creation) and no longer there, or being deleted before it finished.</summary>
    Lost,
}

/// <summary>
/// The run in progress, from the job's status (written before any credential exists) and its
/// children. A run is identified by <see cref="Id"/>; its role name, Secret and Pod derive from it.
/// </summary>
/// <param name="Failure">A chunk the runner reported as failed (from the Pods' logs); the run ends with it.</param>
/// <param name="LostPods">The run's Pods in state <see cref="PodState.Lost"/>, named in the run's end.</param>
public sealed record RunFacts(
    string Id,
    string SpecHash,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Approvals,
    PodState Pod,
    Progress.ChunkFailure? Failure = null,
    IReadOnlyList<string>? LostPods = null);

/// <summary>Everything one decision about a job needs; gathered in one place, decided in another.</summary>
public sealed record JobObservation(
    JobFacts Job,
    DataConnectionSpec? Connection,
    string ConnectionName,
    IReadOnlyList<ApprovalFacts> Approvals,
    RunFacts? ActiveRun);
