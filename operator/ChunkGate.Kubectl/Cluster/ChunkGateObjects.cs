using System.Reflection;
using ChunkGate.Api;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Resources;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubectl.Cluster;

/// <summary>Reads and writes of ChunkGate's kinds, Events and recordings, as the plugin's commands need them.</summary>
internal sealed class ChunkGateObjects(IKubernetes client)
{
    public CustomResourceClient<ChunkJob> Jobs { get; } = new(client, TypeOf<ChunkJob>());

    public CustomResourceClient<ChunkApproval> Approvals { get; } = new(client, TypeOf<ChunkApproval>());

    public CustomResourceClient<DataConnection> Connections { get; } = new(client, TypeOf<DataConnection>());

    public IKubernetes Client => client;

    public async Task<ChunkJob> JobAsync(string ns, string name, CancellationToken cancellationToken) =>
        await Jobs.TryGetAsync(ns, name, cancellationToken)
        ?? throw CommandFailure.NotFound($"chunkjobs.chunkgate.io \"{name}\" not found in namespace {ns}");

    public Task<IReadOnlyList<ChunkJob>> JobsAsync(string? ns, CancellationToken cancellationToken) => ListAsync(Jobs, ns, cancellationToken);

    /// <summary>Every approval whose jobRef names the job (approvals live in the job's namespace).</summary>
    public async Task<IReadOnlyList<ChunkApproval>> ApprovalsOfAsync(string ns, string job, CancellationToken cancellationToken) =>
        [.. (await Approvals.ListAsync(ns, cancellationToken: cancellationToken)).Items.Where(a => a.Spec.JobRef?.Name == job)];

    public Task<IReadOnlyList<ChunkApproval>> ApprovalsAsync(string? ns, CancellationToken cancellationToken) => ListAsync(Approvals, ns, cancellationToken);

    public Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(name) ? Task.FromResult<DataConnection?>(null) : Connections.TryGetAsync(ns, name, cancellationToken);

    /// <summary>core/v1 Events about one object (field selector, as <c>kubectl describe</c> does).</summary>
    public async Task<IReadOnlyList<Corev1Event>> CoreEventsAsync(string ns, string kind, string name, CancellationToken cancellationToken) =>
        [.. (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.kind={kind},involvedObject.name={name}", cancellationToken: cancellationToken).Typed()).Items];

    /// <summary>
    /// events.k8s.io/v1 Events of the namespace (filtered by the caller on <c>regarding</c>: field selector
    /// names differ between servers for this API), or none when the server does not serve the API.
    /// </summary>
    public async Task<IReadOnlyList<Eventsv1Event>> NewEventsAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            return [.. (await client.EventsV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken).Typed()).Items];
        }
        catch (NotFoundException)
        {
            return [];
        }
    }

    public Task<V1ConfigMap?> ConfigMapAsync(string ns, string name, CancellationToken cancellationToken) =>
        client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).OrNull();

    /// <summary>One namespace, or every namespace when <paramref name="ns"/> is null (<c>-A</c>).</summary>
    private async Task<IReadOnlyList<T>> ListAsync<T>(CustomResourceClient<T> resource, string? ns, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (ns is not null)
        {
            return [.. (await resource.ListAsync(ns, cancellationToken: cancellationToken)).Items];
        }

        var type = resource.Type;
        return [.. (await client.CustomObjects.ListClusterCustomObjectAsync<KubernetesList<T>>(type.Group, type.Version, type.Plural, cancellationToken: cancellationToken).Typed()).Items];
    }

    private static ResourceType TypeOf<T>()
    {
        var entity = typeof(T).GetCustomAttribute<Api.Schema.KubernetesEntityAttribute>()!;
        return new ResourceType(ApiGroup.Name, ApiGroup.Version, entity.Plural, entity.Kind, Namespaced: true);
    }
}
