using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Resources;
using k8s;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>The API clients the controller writes through: the official client for built-in kinds, typed wrappers for ChunkGate's.</summary>
internal sealed class ControllerClients(k8s.Kubernetes client) : IDisposable
{
    public const string FieldManager = "chunkgate-controller";

    public k8s.Kubernetes Api { get; } = client;

    public IKubernetes Kubernetes => Api;

    public CustomResourceClient<ChunkJob> Jobs { get; } = new(client, ChunkGateResources.Jobs);

    public CustomResourceClient<ChunkApproval> Approvals { get; } = new(client, ChunkGateResources.Approvals);

    public CustomResourceClient<DataConnection> Connections { get; } = new(client, ChunkGateResources.Connections);

    public void Dispose() => Api.Dispose();
}
