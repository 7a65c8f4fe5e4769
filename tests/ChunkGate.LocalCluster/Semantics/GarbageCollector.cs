using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// Owner-reference garbage collection and namespace termination, level-based: after every batch of
/// changes it looks at the whole store. Dependents whose owners are all gone are deleted (background);
/// owners deleted in the foreground wait for their dependents; orphaning strips the owner references;
/// a terminating namespace is emptied and then removed.
/// </summary>
internal sealed class GarbageCollector(ResourceService service)
{
    private static readonly RequestOptions Options = RequestOptions.System("garbage-collector");

    /// <summary>
    /// A sweep reads the whole store under its lock: under a burst of writes it runs once per this
    /// interval, not once per write (with 10,000 objects stored, sweeping after every write took more
    /// CPU than serving the writes). The real collector is asynchronous too, seconds behind at times.
    /// </summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(200);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var (subscription, _) = service.Store.Watch(null, null, service.Store.CurrentRevision);
        using (subscription)
        {
            while (await subscription.Events.WaitToReadAsync(cancellationToken))
            {
                while (subscription.Events.TryRead(out _))
                {
                }

                try
                {
                    await SweepAsync(cancellationToken);
                }
                catch (ApiError)
                {
                    // A concurrent change raced the sweep; the change that caused it triggers another sweep.
                }

                await Task.Delay(SweepInterval, cancellationToken);
            }
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var everything = service.Store.Everything();
        var byUid = everything.ToDictionary(entry => ObjectFields.Uid(entry.Object), entry => entry, StringComparer.Ordinal);
        foreach (var (storageKey, obj) in everything)
        {
            var type = TypeOf(storageKey);
            if (type is null)
            {
                continue;
            }

            var owners = (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (owners.Count > 0 && !ObjectFields.IsBeingDeleted(obj))
            {
                var live = owners.Where(o => byUid.ContainsKey(ObjectFields.StringAt(o, "uid") ?? "")).ToList();
                if (live.Count == 0)
                {
                    await IgnoreMissingAsync(service.DeleteAsync(type, ObjectFields.Namespace(obj), ObjectFields.Name(obj), new DeleteRequest("Background", null, null, null), Options, cancellationToken));
                    continue;
                }

                if (live.Count < owners.Count)
                {
                    await SetOwnersAsync(type, obj, live, cancellationToken);
                }
            }

            if (!ObjectFields.IsBeingDeleted(obj))
            {
                continue;
            }

            var finalizers = ObjectFields.Finalizers(obj);
            var dependents = everything.Where(entry => OwnedBy(entry.Object, ObjectFields.Uid(obj))).ToList();
            if (finalizers.Contains("orphan"))
            {
                foreach (var (dependentKey, dependent) in dependents)
                {
                    var remaining = (dependent["metadata"]!["ownerReferences"] as JsonArray)!.OfType<JsonObject>().Where(o => ObjectFields.StringAt(o, "uid") != ObjectFields.Uid(obj)).ToList();
                    await SetOwnersAsync(TypeOf(dependentKey)!, dependent, remaining, cancellationToken);
                }

                await RemoveFinalizerAsync(type, obj, "orphan", cancellationToken);
            }
            else if (finalizers.Contains("foregroundDeletion"))
            {
                var blocking = dependents.Where(entry => !ObjectFields.IsBeingDeleted(entry.Object) || ObjectFields.Finalizers(entry.Object).Count > 0).ToList();
                foreach (var (dependentKey, dependent) in blocking.Where(entry => !ObjectFields.IsBeingDeleted(entry.Object)))
                {
                    await IgnoreMissingAsync(service.DeleteAsync(TypeOf(dependentKey)!, ObjectFields.Namespace(dependent), ObjectFields.Name(dependent),
                        new DeleteRequest("Foreground", null, null, null), Options, cancellationToken));
                }

                if (dependents.Count == 0)
                {
                    await RemoveFinalizerAsync(type, obj, "foregroundDeletion", cancellationToken);
                }
            }

            if (type == BuiltInResources.Namespaces)
            {
                await TerminateNamespaceAsync(obj, everything, cancellationToken);
            }
        }
    }

    private async Task TerminateNamespaceAsync(JsonObject ns, IReadOnlyList<(string StorageKey, JsonObject Object)> everything, CancellationToken cancellationToken)
    {
        var name = ObjectFields.Name(ns);
        var contents = everything.Where(entry => ObjectFields.Namespace(entry.Object) == name && TypeOf(entry.StorageKey) is { Namespaced: true }).ToList();
        foreach (var (key, item) in contents.Where(entry => !ObjectFields.IsBeingDeleted(entry.Object)))
        {
            await IgnoreMissingAsync(service.DeleteAsync(TypeOf(key)!, name, ObjectFields.Name(item), new DeleteRequest("Background", null, null, null), Options, cancellationToken));
        }

        if (contents.Count == 0)
        {
            try
            {
                service.RemoveNow(BuiltInResources.Namespaces, ns);
            }
            catch (ApiError error) when (error.Code == 404)
            {
            }
        }
    }

    private async Task SetOwnersAsync(ResourceType type, JsonObject obj, IReadOnlyList<JsonObject> owners, CancellationToken cancellationToken)
    {
        JsonNode? value = owners.Count == 0 ? null : new JsonArray(owners.Select(o => (JsonNode)o.DeepClone()).ToArray());
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = value } };
        await IgnoreMissingAsync(service.PatchAsync(type, ObjectFields.Namespace(obj), ObjectFields.Name(obj), "", "application/merge-patch+json", patch, false, Options, cancellationToken));
    }

    private async Task RemoveFinalizerAsync(ResourceType type, JsonObject obj, string finalizer, CancellationToken cancellationToken)
    {
        var remaining = ObjectFields.Finalizers(obj).Where(f => f != finalizer).ToList();
        JsonNode? value = remaining.Count == 0 ? null : new JsonArray(remaining.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = value } };
        await IgnoreMissingAsync(service.PatchAsync(type, ObjectFields.Namespace(obj), ObjectFields.Name(obj), "", "application/merge-patch+json", patch, false, Options, cancellationToken));
    }

    private static bool OwnedBy(JsonObject obj, string uid) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>().Any(o => ObjectFields.StringAt(o, "uid") == uid);

    private ResourceType? TypeOf(string storageKey) => service.Catalog.All.FirstOrDefault(t => t.StorageKey == storageKey);

    private static async Task IgnoreMissingAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (ApiError error) when (error.Code is 404 or 409)
        {
        }
    }
}
