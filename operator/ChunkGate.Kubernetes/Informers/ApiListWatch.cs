using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Json;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Watching;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>
/// List and watch of any kind, built-in or custom, through the official client's HttpClient and
/// credentials (its TLS, kubeconfig and exec/OIDC/token auth). Only the request path is ours: the
/// official client has typed list/watch per built-in kind and <c>CustomObjects</c> for /apis groups,
/// but nothing generic over both; and its watch decoding is slower (see <see cref="WatchEventParser"/>).
/// </summary>
public sealed class ApiListWatch<T>(k8s.Kubernetes client, ResourceType type, ListWatchOptions? options = null) : IListWatch<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ListWatchOptions options = options ?? new ListWatchOptions();

    public string Resource => type.Plural;

    public async Task<(IReadOnlyList<T> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? snapshot = null;
        string? next = null;
        do
        {
            // A continue token pins the first page's snapshot; the rest follow it.
            var query = Query(("labelSelector", options.LabelSelector), ("fieldSelector", options.FieldSelector),
                ("limit", options.ListPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", next));
            // Decoded as it arrives: a page of 500 ChunkJobs is about 1 MB, and read whole it was a
            // large-object-heap array per page (twice, with the content's own buffer) left as holes there.
            using var response = await GetAsync(type.CollectionPath(options.Namespace) + query, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            KubernetesList<T>? page;
            await using (body.ConfigureAwait(false))
            {
                page = await JsonSerializer.DeserializeAsync<KubernetesList<T>>(body, KubernetesJsonOptions.Cached, cancellationToken).ConfigureAwait(false);
            }

            if (page is null)
            {
                throw new InvalidDataException($"list {type.Plural}: empty response body");
            }

            snapshot ??= page.Metadata?.ResourceVersion;
            foreach (var item in page.Items ?? [])
            {
                // Items in a list carry no type meta; restore it so handlers see complete objects.
                item.ApiVersion ??= type.ApiVersion;
                item.Kind ??= type.Kind;
                items.Add(item);
            }

            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        return (items, snapshot);
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? resourceVersion, int timeoutSeconds, Action<WatchDecodeError>? onBadLine, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = Query(("watch", "true"), ("labelSelector", options.LabelSelector), ("fieldSelector", options.FieldSelector),
            ("resourceVersion", resourceVersion), ("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null),
            ("timeoutSeconds", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var response = await GetAsync(type.CollectionPath(options.Namespace) + query, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var watchEvent in WatchStreamReader.ReadAsync<T>(stream, onBadLine, cancellationToken).ConfigureAwait(false))
            {
                yield return watchEvent;
            }
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, pathAndQuery.TrimStart('/')));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw ApiErrors.FromStatus((int)response.StatusCode, ApiErrors.TryParseStatus(body), response.Headers.RetryAfter?.Delta, $"GET {type.CollectionPath(options.Namespace)}");
        }
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }
}

/// <summary>What to list and watch.</summary>
public sealed record ListWatchOptions
{
    /// <summary>Null: all namespaces (or a cluster-scoped kind).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    public int ListPageSize { get; init; } = 500;

    /// <summary>Ask for BOOKMARK events, which keep the resume version fresh so reconnects rarely need a re-list.</summary>
    public bool AllowWatchBookmarks { get; init; } = true;
}
