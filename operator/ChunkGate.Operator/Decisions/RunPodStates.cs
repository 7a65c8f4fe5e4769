namespace ChunkGate.Operator.Decisions;

/// <summary>The state of a run from the states of its Pods (one per shard).</summary>
public static class RunPodStates
{
    /// <summary>
    /// Lost as soon as one Pod the operator created is gone before it finished (never replaced: its
    /// shard would run again under the same approval); Failed as soon as one Pod failed (its chunks
    /// will not be done by this run); Succeeded only when every Pod succeeded; Absent while one was
    /// never created (so it is created); else Running when one runs.
    /// </summary>
    public static PodState Combine(IReadOnlyList<PodState> pods)
    {
        if (pods.Count == 0)
        {
            return PodState.Absent;
        }

        if (pods.Contains(PodState.Lost))
        {
            return PodState.Lost;
        }

        if (pods.Contains(PodState.Failed))
        {
            return PodState.Failed;
        }

        if (pods.All(p => p == PodState.Succeeded))
        {
            return PodState.Succeeded;
        }

        if (pods.Contains(PodState.Absent))
        {
            return PodState.Absent;
        }

        return pods.Contains(PodState.Running) ? PodState.Running : PodState.Pending;
    }
}
