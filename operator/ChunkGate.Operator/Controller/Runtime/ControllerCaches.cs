using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Hosting;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// The informer caches every reconciler reads from: ChunkGate's three kinds, and the Pods and
/// Secrets the controller created (by label, so other Secrets are never cached). Ready once every
/// cache has listed (the host's <c>/readyz</c>).
/// </summary>
internal sealed class ControllerCaches : IReadinessCheck
{
    public const string ApprovalsByJob = "job";
    public const string JobsByConnection = "connection";

    public ControllerCaches(k8s.Kubernetes client, ControllerOptions options, TimeProvider clock, ILoggerFactory loggers)
    {
        var scope = options.WatchNamespaces;
        // managedFields dropped from every cached object: nothing reads it, and with 10,000 jobs it was tens of MB.
        Jobs = new ScopedInformers<ChunkJob>(client, ChunkGateResources.Jobs, scope, new InformerOptions<ChunkJob>
        {
            Transform = ObjectTransforms.DropManagedFields,
            Indexers = new Dictionary<string, Func<ChunkJob, IEnumerable<string>>>
            {
                [JobsByConnection] = job => [CacheKeys.For(job.Metadata.NamespaceProperty, job.Spec.ConnectionRef.Name)],
            },
        }, null, clock, loggers);
        Approvals = new ScopedInformers<ChunkApproval>(client, ChunkGateResources.Approvals, scope, new InformerOptions<ChunkApproval>
        {
            Transform = ObjectTransforms.DropManagedFields,
            Indexers = new Dictionary<string, Func<ChunkApproval, IEnumerable<string>>>
            {
                [ApprovalsByJob] = approval => [CacheKeys.For(approval.Metadata.NamespaceProperty, approval.Spec.JobRef.Name)],
            },
        }, null, clock, loggers);
        Connections = new ScopedInformers<DataConnection>(client, ChunkGateResources.Connections, scope, new InformerOptions<DataConnection> { Transform = ObjectTransforms.DropManagedFields }, null, clock, loggers);
        Pods = new ScopedInformers<V1Pod>(client, ResourceType.Pods, scope, new InformerOptions<V1Pod> { Transform = ObjectTransforms.DropManagedFields }, RunLabels.Selector, clock, loggers);
        Secrets = new ScopedInformers<V1Secret>(client, ResourceType.Secrets, scope, new InformerOptions<V1Secret> { Transform = ObjectTransforms.DropManagedFields }, RunLabels.Selector, clock, loggers);
    }

    public ScopedInformers<ChunkJob> Jobs { get; }

    public ScopedInformers<ChunkApproval> Approvals { get; }

    public ScopedInformers<DataConnection> Connections { get; }

    public ScopedInformers<V1Pod> Pods { get; }

    public ScopedInformers<V1Secret> Secrets { get; }

    public string Name => "controller-caches";

    public bool IsReady => Jobs.HasSynced && Approvals.HasSynced && Connections.HasSynced && Pods.HasSynced && Secrets.HasSynced;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Jobs.RunAsync(cancellationToken), Approvals.RunAsync(cancellationToken), Connections.RunAsync(cancellationToken),
            Pods.RunAsync(cancellationToken), Secrets.RunAsync(cancellationToken));
}

/// <summary>Where ChunkGate's kinds are served.</summary>
internal static class ChunkGateResources
{
    public static ResourceType Jobs { get; } = new(Api.ApiGroup.Name, Api.ApiGroup.Version, "chunkjobs", "ChunkJob", Namespaced: true);

    public static ResourceType Approvals { get; } = new(Api.ApiGroup.Name, Api.ApiGroup.Version, "chunkapprovals", "ChunkApproval", Namespaced: true);

    public static ResourceType Connections { get; } = new(Api.ApiGroup.Name, Api.ApiGroup.Version, "dataconnections", "DataConnection", Namespaced: true);
}
