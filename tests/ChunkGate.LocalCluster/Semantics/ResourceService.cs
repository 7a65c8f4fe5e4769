using System.Globalization;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Admission;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Patching;
using ChunkGate.LocalCluster.Schema;
using ChunkGate.LocalCluster.Storage;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// The write path of the API server: create, update (main and status endpoints), patch and delete,
/// with the real server's order of steps: decode and prune, mutating admission, validation, validating
/// admission, storage. Generation, finalizers, deletionTimestamp and CRD registration live here.
/// </summary>
internal sealed class ResourceService(ObjectStore store, ResourceCatalog catalog, IAdmissionChain admission, ISchemaValidator validator, TimeProvider clock)
{
    public ObjectStore Store => store;

    public ResourceCatalog Catalog => catalog;

    public async Task<JsonObject> CreateAsync(ResourceType type, string ns, JsonObject body, RequestOptions options, CancellationToken cancellationToken)
    {
        var obj = (JsonObject)JsonNode.Parse(body.ToJsonString())!;
        CheckKind(type, obj);
        obj = type.Stored(obj);
        var metadata = ObjectFields.Metadata(obj);
        if (type.Namespaced)
        {
            var bodyNamespace = ObjectFields.Namespace(obj);
            if (bodyNamespace.Length > 0 && bodyNamespace != ns)
            {
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
            RequireLiveNamespace(ns);
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (ObjectFields.Name(obj).Length == 0 && ObjectFields.StringAt(metadata, "generateName") is { Length: > 0 } prefix)
        {
            metadata["name"] = MetadataRules.GeneratedName(prefix);
        }

        var name = ObjectFields.Name(obj);
        RejectInvalid(type, name, MetadataRules.CheckName(name, labelOnly: type == BuiltInResources.Namespaces).ToList());
        metadata.Remove("resourceVersion");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Now();
        if (type.TracksGeneration)
        {
            metadata["generation"] = 1;
        }

        if (type.HasStatusSubresource && type != BuiltInResources.Namespaces)
        {
            obj.Remove("status");
        }

        BuiltInKindRules.Normalize(type, obj, null);
        PrepareCustomResource(type, obj, options);

        var attributes = Attributes(type, "", "CREATE", ns, name, obj, null, options, "CreateOptions");
        obj = await admission.MutateAsync(attributes, cancellationToken) ?? obj;
        Validate(type, obj, null);
        await admission.ValidateAsync(attributes with { Object = obj }, cancellationToken);
        if (options.FieldManager.Length > 0)
        {
            ManagedFields.RecordUpdate(null, obj, options.FieldManager, type.ApiVersion, Now());
        }

        if (options.DryRun)
        {
            return obj;
        }

        var created = store.Create(type, obj);
        if (type == BuiltInResources.CustomResourceDefinitions)
        {
            created = Establish(created);
        }

        return created;
    }

    /// <summary>PUT: the caller's object replaces the stored one, subject to resourceVersion preconditions.</summary>
    public Task<JsonObject> UpdateAsync(ResourceType type, string ns, string name, string subresource, JsonObject body, RequestOptions options, CancellationToken cancellationToken)
    {
        CheckKind(type, body);
        if (ObjectFields.Name(body) is { Length: > 0 } bodyName && bodyName != name)
        {
            throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var precondition = ObjectFields.ResourceVersion(body);
        if (precondition == 0 && type.IsCustom)
        {
            throw ApiError.Invalid(type.Group, type.Kind, name,
                [new StatusCause("FieldValueInvalid", "Invalid value: 0x0: must be specified for an update", "metadata.resourceVersion")]);
        }

        return WriteAsync(type, ns, name, subresource, _ => (JsonObject)body.DeepClone(), precondition == 0 ? null : precondition, options, cancellationToken);
    }

    public async Task<JsonObject> PatchAsync(ResourceType type, string ns, string name, string subresource, string contentType, JsonNode patch,
        bool force, RequestOptions options, CancellationToken cancellationToken)
    {
        if (contentType == "application/apply-patch+yaml")
        {
            if (patch is not JsonObject applied)
            {
                throw ApiError.BadRequest("apply patch must be an object");
            }

            CheckKind(type, applied);
            if (store.Get(type, ns, name) is null)
            {
                if (subresource.Length > 0)
                {
                    throw ApiError.NotFound(type.Group, type.Plural, name);
                }

                var fresh = ManagedFields.Apply(null, applied, type, options.FieldManager, force, Now());
                ObjectFields.Metadata(fresh)["name"] = name;
                var created = await CreateAsync(type, ns, fresh, options with { FieldManager = "" }, cancellationToken);
                return created;
            }

            return await WriteAsync(type, ns, name, subresource, current => ManagedFields.Apply(current, applied, type, options.FieldManager, force, Now()),
                null, options with { FieldManager = "" }, cancellationToken);
        }

        Func<JsonObject, JsonObject> compute = contentType switch
        {
            "application/merge-patch+json" => current => AsObject(JsonMergePatch.Apply(current, patch)),
            "application/json-patch+json" => current => AsObject(JsonPatch.Apply(current, patch)),
            "application/strategic-merge-patch+json" when !type.IsCustom => current => AsObject(StrategicMergePatch.Apply(current, patch)),
            _ => throw new InvalidOperationException($"patch type {contentType} was not checked by the HTTP layer"),
        };
        var precondition = patch is JsonObject patchObject && ObjectFields.StringAt(patchObject["metadata"], "resourceVersion") is { } rv
            ? long.Parse(rv, CultureInfo.InvariantCulture)
            : (long?)null;
        return await WriteAsync(type, ns, name, subresource, compute, precondition, options, cancellationToken);
    }

    public async Task<JsonObject> DeleteAsync(ResourceType type, string ns, string name, DeleteRequest request, RequestOptions options, CancellationToken cancellationToken)
    {
        // Like the real server's GuaranteedUpdate: a lost race re-reads and re-checks (preconditions included)
        // for as long as it takes; only the client's cancellation ends it.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = store.Get(type, ns, name) ?? throw ApiError.NotFound(type.Group, type.Plural, name);
            if (request.PreconditionUid is { Length: > 0 } uid && uid != ObjectFields.Uid(current))
            {
                throw ApiError.Conflict(type.Group, type.Plural, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectFields.Uid(current)}");
            }

            if (request.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectFields.ResourceVersion(current).ToString(CultureInfo.InvariantCulture))
            {
                throw ApiError.Conflict(type.Group, type.Plural, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectFields.ResourceVersion(current)}");
            }

            var attributes = Attributes(type, "", "DELETE", ns, name, null, current, options, "DeleteOptions");
            await admission.MutateAsync(attributes, cancellationToken);
            await admission.ValidateAsync(attributes, cancellationToken);
            if (options.DryRun)
            {
                return current;
            }

            var next = (JsonObject)current.DeepClone();
            var finalizers = ObjectFields.Finalizers(next).ToList();
            var policy = request.PropagationPolicy ?? "Background";
            if (!ObjectFields.IsBeingDeleted(next) && policy == "Foreground" && !finalizers.Contains("foregroundDeletion"))
            {
                finalizers.Add("foregroundDeletion");
            }

            if (!ObjectFields.IsBeingDeleted(next) && policy == "Orphan" && !finalizers.Contains("orphan"))
            {
                finalizers.Add("orphan");
            }

            var graceful = GracePeriod(type, next, request);
            if (finalizers.Count == 0 && graceful is null)
            {
                try
                {
                    store.Remove(type, ns, name, ObjectFields.ResourceVersion(current));
                }
                catch (ApiError error) when (error.Code == 409)
                {
                    continue;
                }

                AfterRemoval(type, current);
                return current;
            }

            if (ObjectFields.IsBeingDeleted(current) && ObjectFields.Finalizers(current).SequenceEqual(finalizers))
            {
                if (type == BuiltInResources.Pods && request.GracePeriodSeconds == 0 && finalizers.Count == 0)
                {
                    RemoveNow(type, current);
                }

                return current;
            }

            var metadata = ObjectFields.Metadata(next);
            if (!ObjectFields.IsBeingDeleted(next))
            {
                metadata["deletionTimestamp"] = ObjectFields.Timestamp(clock.GetUtcNow().AddSeconds(graceful ?? 0));
                metadata["deletionGracePeriodSeconds"] = graceful ?? 0;
            }

            ObjectFields.SetFinalizers(next, finalizers);
            if (type == BuiltInResources.Namespaces)
            {
                next["status"] = new JsonObject { ["phase"] = "Terminating" };
            }

            try
            {
                return store.Update(type, next, ObjectFields.ResourceVersion(current));
            }
            catch (ApiError error) when (error.Code == 409)
            {
                // Lost a race with another writer: read again.
            }
        }
    }

    /// <summary>The stand-in's own controllers delete immediately, bypassing grace (the kubelet has already stopped the processes).</summary>
    public void RemoveNow(ResourceType type, JsonObject current)
    {
        store.Remove(type, ObjectFields.Namespace(current), ObjectFields.Name(current), null);
        AfterRemoval(type, current);
    }

    private async Task<JsonObject> WriteAsync(ResourceType type, string ns, string name, string subresource, Func<JsonObject, JsonObject> compute,
        long? precondition, RequestOptions options, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = store.Get(type, ns, name) ?? throw ApiError.NotFound(type.Group, type.Plural, name);
            var currentRevision = ObjectFields.ResourceVersion(current);
            if (precondition is { } expected && expected != currentRevision)
            {
                throw ApiError.StaleObject(type.Group, type.Plural, name);
            }

            var desired = (JsonObject)JsonNode.Parse(compute(type.Served((JsonObject)current.DeepClone())).ToJsonString())!;
            CheckKind(type, desired);
            desired = type.Stored(desired);
            var next = Merge(type, subresource, current, desired);
            if (ObjectFields.IsBeingDeleted(current) && ObjectFields.Finalizers(next).Except(ObjectFields.Finalizers(current)).Any())
            {
                var added = ObjectFields.Finalizers(next).Except(ObjectFields.Finalizers(current)).Order(StringComparer.Ordinal).Select(f => $"\"{f}\"");
                throw ApiError.Invalid(type.Group, type.Kind, name, [new StatusCause("FieldValueForbidden",
                    $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added)}}}", "metadata.finalizers")]);
            }

            BuiltInKindRules.Normalize(type, next, current);
            PrepareCustomResource(type, next, options);
            var attributes = Attributes(type, subresource, "UPDATE", ns, name, next, current, options, "UpdateOptions");
            next = await admission.MutateAsync(attributes, cancellationToken) ?? next;
            next = Merge(type, subresource, current, next);
            Validate(type, next, current);
            await admission.ValidateAsync(attributes with { Object = next }, cancellationToken);
            BumpGeneration(type, current, next);
            if (options.FieldManager.Length > 0)
            {
                ManagedFields.RecordUpdate(current, next, options.FieldManager, type.ApiVersion, Now());
            }

            ObjectFields.Metadata(next)["resourceVersion"] = currentRevision.ToString(CultureInfo.InvariantCulture);
            if (SameApartFromOwnershipTimes(next, current))
            {
                return current;
            }

            if (options.DryRun)
            {
                return next;
            }

            try
            {
                if (ObjectFields.IsBeingDeleted(current) && ObjectFields.Finalizers(current).Count > 0 && ObjectFields.Finalizers(next).Count == 0)
                {
                    var removed = store.Remove(type, ns, name, currentRevision);
                    AfterRemoval(type, removed);
                    return removed;
                }

                var updated = store.Update(type, next, currentRevision);
                return type == BuiltInResources.CustomResourceDefinitions ? Establish(updated) : updated;
            }
            catch (ApiError error) when (error.Code == 409 && precondition is null)
            {
                // Someone else wrote in between. A write without a resourceVersion re-reads and tries again until it
                // lands, as the real server's GuaranteedUpdate loop does: its clients practically never see this 409.
            }
        }
    }

    /// <summary>
    /// Applies the endpoint's rules: the main endpoint cannot change status (when a status subresource
    /// exists), the status endpoint can change nothing else; identity metadata never changes.
    /// </summary>
    private static JsonObject Merge(ResourceType type, string subresource, JsonObject current, JsonObject desired)
    {
        JsonObject next;
        if (subresource == "status")
        {
            next = (JsonObject)current.DeepClone();
            if (desired["status"] is { } status)
            {
                next["status"] = status.DeepClone();
            }
            else
            {
                next.Remove("status");
            }
        }
        else
        {
            next = (JsonObject)desired.DeepClone();
            if (type.HasStatusSubresource)
            {
                if (current["status"] is { } status)
                {
                    next["status"] = status.DeepClone();
                }
                else
                {
                    next.Remove("status");
                }
            }
        }

        var metadata = ObjectFields.Metadata(next);
        var old = ObjectFields.Metadata(current);
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (old[field] is { } value)
            {
                metadata[field] = value.DeepClone();
            }
            else
            {
                metadata.Remove(field);
            }
        }

        if (subresource != "status" && metadata["managedFields"] is null && old["managedFields"] is { } managed)
        {
            metadata["managedFields"] = managed.DeepClone();
        }

        next["apiVersion"] = current["apiVersion"]?.DeepClone();
        next["kind"] = current["kind"]?.DeepClone();
        return next;
    }

    /// <summary>A write that changes nothing but the time stamps of field ownership is a no-op (no new resourceVersion).</summary>
    private static bool SameApartFromOwnershipTimes(JsonObject next, JsonObject current)
    {
        static JsonObject WithoutTimes(JsonObject obj)
        {
            var copy = (JsonObject)obj.DeepClone();
            foreach (var entry in copy["metadata"]?["managedFields"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                entry.Remove("time");
            }

            return copy;
        }

        return ObjectFields.SameJson(WithoutTimes(next), WithoutTimes(current));
    }

    private static void BumpGeneration(ResourceType type, JsonObject current, JsonObject next)
    {
        if (!type.TracksGeneration)
        {
            return;
        }

        static JsonObject Spec(JsonObject obj)
        {
            var copy = (JsonObject)obj.DeepClone();
            copy.Remove("metadata");
            copy.Remove("status");
            copy.Remove("apiVersion");
            copy.Remove("kind");
            return copy;
        }

        var generation = current["metadata"]?["generation"]?.GetValue<long>() ?? 1;
        var changed = !ObjectFields.SameJson(Spec(current), Spec(next));
        ObjectFields.Metadata(next)["generation"] = changed ? generation + 1 : generation;
    }

    private void PrepareCustomResource(ResourceType type, JsonObject obj, RequestOptions options)
    {
        if (!type.IsCustom || type.Schema is null)
        {
            return;
        }

        var unknown = StructuralSchemas.Prune(type.Schema, obj);
        if (unknown.Count > 0)
        {
            switch (options.FieldValidation)
            {
                case "Strict":
                    throw ApiError.BadRequest(
                        $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""))}");
                case "Warn":
                    options.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
                    break;
            }
        }

        StructuralSchemas.ApplyDefaults(type.Schema, obj);
    }

    private void Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        var causes = MetadataRules.CheckLabelsAndAnnotations(obj).ToList();
        causes.AddRange(BuiltInKindRules.Validate(type, obj, old));
        if (type == BuiltInResources.CustomResourceDefinitions)
        {
            causes.AddRange(CustomResourceDefinitions.Validate(obj));
        }

        if (type.IsCustom && type.Schema is not null)
        {
            var toCheck = (JsonObject)obj.DeepClone();
            toCheck.Remove("metadata");
            causes.AddRange(validator.Validate(type.Schema, toCheck).Select(p => new StatusCause(p.Reason, p.Message, p.Path)));
        }

        RejectInvalid(type, ObjectFields.Name(obj), causes);
    }

    private static void RejectInvalid(ResourceType type, string name, IReadOnlyList<StatusCause> causes)
    {
        if (causes.Count > 0)
        {
            throw ApiError.Invalid(type.Group, type.Kind, name, causes);
        }
    }

    private void RequireLiveNamespace(string ns)
    {
        var namespaceObject = store.Get(BuiltInResources.Namespaces, "", ns) ?? throw ApiError.NotFound("", "namespaces", ns);
        if (ObjectFields.IsBeingDeleted(namespaceObject))
        {
            throw ApiError.Forbidden($"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private static void CheckKind(ResourceType type, JsonObject obj)
    {
        var kind = ObjectFields.StringAt(obj, "kind");
        var apiVersion = ObjectFields.StringAt(obj, "apiVersion");
        if (kind is not null && kind != type.Kind)
        {
            throw ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        obj["kind"] = type.Kind;
        obj["apiVersion"] = type.ApiVersion;
    }

    private static long? GracePeriod(ResourceType type, JsonObject obj, DeleteRequest request)
    {
        if (type == BuiltInResources.Namespaces)
        {
            return 0;
        }

        if (type != BuiltInResources.Pods || request.GracePeriodSeconds == 0)
        {
            return null;
        }

        var phase = ObjectFields.StringAt(obj["status"], "phase");
        var running = ObjectFields.StringAt(obj["spec"], "nodeName") is { Length: > 0 } && phase is not ("Succeeded" or "Failed");
        return running ? request.GracePeriodSeconds ?? obj["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30 : null;
    }

    private JsonObject Establish(JsonObject crd)
    {
        var (group, plural) = CustomResourceDefinitions.Identity(crd);
        catalog.ReplaceCustom(group, plural, CustomResourceDefinitions.ServedTypes(crd));
        var established = (JsonObject)crd.DeepClone();
        established["status"] = CustomResourceDefinitions.EstablishedStatus(crd, Now());
        if (ObjectFields.SameJson(established["status"], crd["status"]))
        {
            return crd;
        }

        return store.Update(BuiltInResources.CustomResourceDefinitions, established, ObjectFields.ResourceVersion(crd));
    }

    private void AfterRemoval(ResourceType type, JsonObject removed)
    {
        if (type == BuiltInResources.CustomResourceDefinitions)
        {
            var (group, plural) = CustomResourceDefinitions.Identity(removed);
            if (catalog.FindAnyVersion(group, plural) is { } served)
            {
                foreach (var item in store.List(served, null).Items)
                {
                    store.Remove(served, ObjectFields.Namespace(item), ObjectFields.Name(item), null);
                }
            }

            catalog.ReplaceCustom(group, plural, []);
        }
    }

    private AdmissionAttributes Attributes(ResourceType type, string subresource, string operation, string ns, string name,
        JsonObject? obj, JsonObject? old, RequestOptions options, string optionsKind) =>
        new(type, subresource, operation, ns, name, obj, old, options.User, options.DryRun, options.ToAdmissionOptions(optionsKind), options.Warnings);

    private static JsonObject AsObject(JsonNode? node) =>
        node as JsonObject ?? throw ApiError.BadRequest("the patch did not produce an object");

    private string Now() => ObjectFields.Timestamp(clock.GetUtcNow());
}
