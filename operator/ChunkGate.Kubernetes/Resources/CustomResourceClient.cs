using System.Text.Json;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Json;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Resources;

/// <summary>
/// Typed access to one namespaced custom kind through the official client's <c>CustomObjects</c>
/// calls (including the <c>…Status</c> ones), which take group, version and plural on every call and
/// throw one untyped exception. This names the kind once, stamps type meta, and throws typed errors
/// (<see cref="NotFoundException"/>, <see cref="ConflictException"/>, <see cref="AlreadyExistsException"/> …).
/// </summary>
public sealed class CustomResourceClient<T>(IKubernetes client, ResourceType type)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceType Type { get; } = type;

    public Task<T> GetAsync(string namespaceName, string name, CancellationToken cancellationToken = default) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<T>(Type.Group, Type.Version, namespaceName, Type.Plural, name, cancellationToken).Typed();

    /// <summary>The object, or null when it does not exist.</summary>
    public Task<T?> TryGetAsync(string namespaceName, string name, CancellationToken cancellationToken = default) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<T>(Type.Group, Type.Version, namespaceName, Type.Plural, name, cancellationToken).OrNull();

    public Task<KubernetesList<T>> ListAsync(string namespaceName, string? labelSelector = null, CancellationToken cancellationToken = default) =>
        client.CustomObjects.ListNamespacedCustomObjectAsync<KubernetesList<T>>(Type.Group, Type.Version, namespaceName, Type.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).Typed();

    public Task<T> CreateAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync<T>(Stamp(obj), Type.Group, Type.Version, NamespaceOf(obj), Type.Plural, fieldManager: fieldManager, cancellationToken: cancellationToken).Typed();

    /// <summary>PUT the whole object; with <c>metadata.resourceVersion</c> set, <see cref="ConflictException"/> if it changed since.</summary>
    public Task<T> ReplaceAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectAsync<T>(Stamp(obj), Type.Group, Type.Version, NamespaceOf(obj), Type.Plural, NameOf(obj), fieldManager: fieldManager, cancellationToken: cancellationToken).Typed();

    /// <summary>PUT to the <c>status</c> subresource: only status changes.</summary>
    public Task<T> ReplaceStatusAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<T>(Stamp(obj), Type.Group, Type.Version, NamespaceOf(obj), Type.Plural, NameOf(obj), fieldManager: fieldManager, cancellationToken: cancellationToken).Typed();

    /// <summary>Any <see cref="V1Patch.PatchType"/>; apply needs a field manager, and only apply may force.</summary>
    public Task<T> PatchAsync(string namespaceName, string name, V1Patch patch, string? fieldManager = null, bool force = false, CancellationToken cancellationToken = default) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<T>(Checked(patch, fieldManager, force), Type.Group, Type.Version, namespaceName, Type.Plural, name, fieldManager: fieldManager, force: force ? true : null, cancellationToken: cancellationToken).Typed();

    public Task<T> PatchStatusAsync(string namespaceName, string name, V1Patch patch, string? fieldManager = null, bool force = false, CancellationToken cancellationToken = default) =>
        client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<T>(Checked(patch, fieldManager, force), Type.Group, Type.Version, namespaceName, Type.Plural, name, fieldManager: fieldManager, force: force ? true : null, cancellationToken: cancellationToken).Typed();

    /// <summary>Server-side apply of <paramref name="obj"/> (JSON is valid apply YAML) as <paramref name="fieldManager"/>.</summary>
    public Task<T> ApplyAsync(T obj, string fieldManager, bool force = false, CancellationToken cancellationToken = default) =>
        PatchAsync(NamespaceOf(obj), NameOf(obj), new V1Patch(JsonSerializer.Serialize(Stamp(obj), obj.GetType(), KubernetesJsonOptions.Write), V1Patch.PatchType.ApplyPatch), fieldManager, force, cancellationToken);

    public Task<V1Status> DeleteAsync(string namespaceName, string name, V1DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync<V1Status>(Type.Group, Type.Version, namespaceName, Type.Plural, name, options, cancellationToken: cancellationToken).Typed();

    // A real API server answers 422 to both; refusing here names the mistake at its source.
    private static V1Patch Checked(V1Patch patch, string? fieldManager, bool force)
    {
        if (patch.Type == V1Patch.PatchType.ApplyPatch && string.IsNullOrEmpty(fieldManager))
        {
            throw new ArgumentException("server-side apply needs a field manager", nameof(fieldManager));
        }

        if (force && patch.Type != V1Patch.PatchType.ApplyPatch)
        {
            throw new ArgumentException("force is only for server-side apply", nameof(force));
        }

        return patch;
    }

    private T Stamp(T obj)
    {
        obj.ApiVersion ??= Type.ApiVersion;
        obj.Kind ??= Type.Kind;
        return obj;
    }

    private static string NamespaceOf(T obj) =>
        obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? ns : throw new ArgumentException("a namespaced kind needs metadata.namespace", nameof(obj));

    private static string NameOf(T obj) =>
        obj.Metadata?.Name is { Length: > 0 } name ? name : throw new ArgumentException("metadata.name is required", nameof(obj));
}
