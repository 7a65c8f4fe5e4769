using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Queues;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>An approval's change is a reason to look at the job it names (same namespace).</summary>
internal sealed class EnqueueApprovedJob(WorkQueue<string> jobs) : IInformerHandler<ChunkApproval>
{
    public void OnAdd(ChunkApproval obj) => Enqueue(obj);

    public void OnUpdate(ChunkApproval old, ChunkApproval current) => Enqueue(current);

    public void OnDelete(ChunkApproval obj) => Enqueue(obj);

    private void Enqueue(ChunkApproval approval) => jobs.Add(CacheKeys.For(approval.Metadata.NamespaceProperty, approval.Spec.JobRef.Name));
}

/// <summary>A connection's change (or deletion) is a reason to look at every job on it.</summary>
internal sealed class EnqueueConnectionJobs(WorkQueue<string> jobs, ScopedInformers<Api.Jobs.ChunkJob> cache) : IInformerHandler<DataConnection>
{
    public void OnAdd(DataConnection obj) => Enqueue(obj);

    public void OnUpdate(DataConnection old, DataConnection current) => Enqueue(current);

    public void OnDelete(DataConnection obj) => Enqueue(obj);

    private void Enqueue(DataConnection connection)
    {
        foreach (var job in cache.KeysByIndex(ControllerCaches.JobsByConnection, CacheKeys.For(connection)))
        {
            jobs.Add(job);
        }
    }
}
