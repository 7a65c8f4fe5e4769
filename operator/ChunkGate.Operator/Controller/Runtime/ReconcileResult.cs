namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>How a reconcile ended: done, or look again at a time (the next deadline). Errors are thrown: transient ones are retried with backoff.</summary>
internal sealed record ReconcileResult(DateTimeOffset? RequeueAt)
{
    public static ReconcileResult Done { get; } = new((DateTimeOffset?)null);

    public static ReconcileResult At(DateTimeOffset? at) => at is null ? Done : new ReconcileResult(at);
}

/// <summary>One kind's reconciler: given only a key (namespace/name), make the world match the current state.</summary>
internal interface IReconciler
{
    string Kind { get; }

    Task<ReconcileResult> ReconcileAsync(string namespaceName, string name, CancellationToken cancellationToken);
}
