using System.Runtime.CompilerServices;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Watching;

namespace ChunkGate.Kubernetes.Resources;

/// <summary>
/// Typed operations on one kind, built-in or custom, namespaced or cluster-scoped. Failures are
/// typed exceptions (<see cref="NotFoundException"/>, <see cref="ConflictException"/> …).
/// For a namespaced kind, a null namespace on a list or watch means all namespaces.
/// </summary>
public sealed class ResourceClient<T>(KubernetesClient client, ResourceType type)
    where T : class, IKubernetesObject
{
    public ResourceType Type { get; } = type;

    public KubernetesClient Client { get; } = client;

    public Task<T> GetAsync(string? namespaceName, string name, CancellationToken cancellationToken = default) =>
        Client.SendForObjectAsync<T>(new ApiRequest(HttpMethod.Get, Type.ObjectPath(namespaceName, name)), cancellationToken);

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<T?> TryGetAsync(string? namespaceName, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>One page. Pass <see cref="ListMeta.Continue"/> back as <see cref="ListOptions.Continue"/> for the next.</summary>
    public Task<KubernetesList<T>> ListAsync(string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var query = new QueryString()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", options.Limit)
            .Add("continue", options.Continue)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("resourceVersionMatch", options.ResourceVersionMatch);
        return Client.SendForObjectAsync<KubernetesList<T>>(new ApiRequest(HttpMethod.Get, Type.CollectionPath(namespaceName) + query), cancellationToken);
    }

    /// <summary>
    /// Every item, following <c>continue</c> tokens page by page. All pages belong to the snapshot
    /// of the first; the returned list carries that snapshot's resourceVersion.
    /// </summary>
    public async Task<KubernetesList<T>> ListAllAsync(string? namespaceName, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions { Limit = 500 };
        var first = await ListAsync(namespaceName, options, cancellationToken).ConfigureAwait(false);
        var next = first.Metadata.Continue;
        while (!string.IsNullOrEmpty(next))
        {
            // A continue token already pins the snapshot; resourceVersion must not be sent with it.
            var page = await ListAsync(namespaceName, options with { Continue = next, ResourceVersion = null, ResourceVersionMatch = null }, cancellationToken).ConfigureAwait(false);
            first.Items.AddRange(page.Items);
            next = page.Metadata.Continue;
        }

        first.Metadata.Continue = null;
        first.Metadata.RemainingItemCount = null;
        return first;
    }

    public Task<T> CreateAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default)
    {
        Stamp(obj);
        var query = new QueryString().Add("fieldManager", fieldManager);
        return Client.SendForObjectAsync<T>(new ApiRequest(HttpMethod.Post, Type.CollectionPath(NamespaceOf(obj)) + query, KubernetesJson.SerializeToUtf8Bytes(obj)), cancellationToken);
    }

    /// <summary>PUT the whole object. With <c>metadata.resourceVersion</c> set, fails with <see cref="ConflictException"/> if it changed since.</summary>
    public Task<T> ReplaceAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) =>
        PutAsync(obj, null, fieldManager, cancellationToken);

    /// <summary>PUT to the <c>status</c> subresource: only status changes; spec edits in <paramref name="obj"/> are ignored by the server.</summary>
    public Task<T> ReplaceStatusAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) =>
        PutAsync(obj, "status", fieldManager, cancellationToken);

    /// <summary>PATCH with raw bytes in the chosen patch format (JSON; YAML or JSON for apply).</summary>
    public Task<T> PatchRawAsync(string? namespaceName, string name, PatchType patchType, ReadOnlyMemory<byte> patch, PatchParameters? parameters = null, CancellationToken cancellationToken = default)
    {
        parameters ??= new PatchParameters();
        if (patchType == PatchType.Apply && string.IsNullOrEmpty(parameters.FieldManager))
        {
            throw new ArgumentException("server-side apply needs a field manager", nameof(parameters));
        }

        var query = new QueryString()
            .Add("fieldManager", parameters.FieldManager)
            .Add("force", patchType == PatchType.Apply && parameters.Force);
        var request = new ApiRequest(HttpMethod.Patch, Type.ObjectPath(namespaceName, name, parameters.Subresource) + query, patch.ToArray(), PatchTypes.ContentType(patchType));
        return Client.SendForObjectAsync<T>(request, cancellationToken);
    }

    /// <summary>Serializes <paramref name="patch"/> (an anonymous object, JsonNode, or typed partial) and sends it.</summary>
    public Task<T> PatchAsync<TPatch>(string? namespaceName, string name, PatchType patchType, TPatch patch, PatchParameters? parameters = null, CancellationToken cancellationToken = default) =>
        PatchRawAsync(namespaceName, name, patchType, KubernetesJson.SerializeToUtf8Bytes(patch), parameters, cancellationToken);

    /// <summary>Server-side apply of <paramref name="obj"/> (JSON is valid apply YAML) as <paramref name="fieldManager"/>.</summary>
    public Task<T> ApplyAsync(T obj, string fieldManager, bool force = false, string? subresource = null, CancellationToken cancellationToken = default)
    {
        Stamp(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("apply needs metadata.name", nameof(obj));
        return PatchRawAsync(NamespaceOf(obj), name, PatchType.Apply, KubernetesJson.SerializeToUtf8Bytes(obj), new PatchParameters { FieldManager = fieldManager, Force = force, Subresource = subresource }, cancellationToken);
    }

    /// <summary>
    /// Deletes. Returns the object when deletion is deferred (finalizers, foreground propagation),
    /// null when it is gone. Throws <see cref="NotFoundException"/> when it did not exist and
    /// <see cref="ConflictException"/> when a precondition fails.
    /// </summary>
    public async Task<T?> DeleteAsync(string? namespaceName, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = options is null ? null : KubernetesJson.SerializeToUtf8Bytes(options);
        using var response = await Client.SendAsync(new ApiRequest(HttpMethod.Delete, Type.ObjectPath(namespaceName, name), body), cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (ApiErrors.TryParseStatus(bytes) is not null)
        {
            return null;
        }

        return bytes.Length == 0 ? null : KubernetesJson.Deserialize<T>(bytes);
    }

    /// <summary>One watch request: events until the server ends it, the connection drops, or cancellation.</summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? namespaceName, WatchOptions options, Action<WatchDecodeError>? onBadLine = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new QueryString()
            .Add("watch", true)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks)
            .Add("timeoutSeconds", options.TimeoutSeconds);
        using var response = await Client.SendAsync(new ApiRequest(HttpMethod.Get, Type.CollectionPath(namespaceName) + query, Streaming: true), cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var watchEvent in WatchStreamReader.ReadAsync<T>(stream, onBadLine, cancellationToken).ConfigureAwait(false))
            {
                yield return watchEvent;
            }
        }
    }

    private async Task<T> PutAsync(T obj, string? subresource, string? fieldManager, CancellationToken cancellationToken)
    {
        Stamp(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("replace needs metadata.name", nameof(obj));
        var query = new QueryString().Add("fieldManager", fieldManager);
        var request = new ApiRequest(HttpMethod.Put, Type.ObjectPath(NamespaceOf(obj), name, subresource) + query, KubernetesJson.SerializeToUtf8Bytes(obj));
        return await Client.SendForObjectAsync<T>(request, cancellationToken).ConfigureAwait(false);
    }

    private string? NamespaceOf(T obj)
    {
        if (!Type.Namespaced)
        {
            return null;
        }

        return obj.Metadata.Namespace ??= Client.DefaultNamespace;
    }

    private void Stamp(T obj)
    {
        obj.ApiVersion ??= Type.ApiVersion;
        obj.Kind ??= Type.Kind;
    }
}

public sealed record PatchParameters
{
    /// <summary>Required for server-side apply; recorded in managedFields for the other kinds.</summary>
    public string? FieldManager { get; init; }

    /// <summary>Server-side apply only: take ownership of fields other managers own instead of failing with a conflict.</summary>
    public bool Force { get; init; }

    /// <summary>e.g. <c>status</c>.</summary>
    public string? Subresource { get; init; }
}
