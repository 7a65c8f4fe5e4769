using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Security;
using ChunkGate.LocalCluster.Selectors;
using ChunkGate.LocalCluster.Semantics;
using Microsoft.AspNetCore.Http;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// The REST front end: authentication, discovery, OpenAPI and the resource endpoints (get, list,
/// watch, create, update, patch, delete, deletecollection, status and log subresources).
/// </summary>
internal sealed class ApiHandler(ResourceService service, TokenAuthenticator authenticator, TableConverter tables, WatchStreamer watches)
{
    public IPodLogSource? Logs { get; set; }

    public string ServerAddress { get; set; } = "127.0.0.1:0";

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await DispatchAsync(context);
        }
        catch (ApiError error)
        {
            await WriteErrorAsync(context, error);
        }
        catch (FormatException error)
        {
            await WriteErrorAsync(context, ApiError.BadRequest(error.Message));
        }
        catch (JsonException error)
        {
            await WriteErrorAsync(context, ApiError.BadRequest($"the request body could not be decoded: {error.Message}"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (watch ended by kubectl, Ctrl-C): nothing to answer.
        }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException or NullReferenceException or KeyNotFoundException or IOException)
        {
            // A stand-in bug must still answer like an API server (and say what broke, without the request body).
            await (AccessLog ?? TextWriter.Null).WriteLineAsync($"internal error on {context.Request.Method} {context.Request.Path}: {error}");
            await WriteErrorAsync(context, ApiError.Internal($"{error.GetType().Name}: {error.Message}"));
        }
        finally
        {
            if (AccessLog is { } log)
            {
                // Method, path and status only: query strings and bodies may carry secrets.
                await log.WriteLineAsync($"{context.Request.Method} {context.Request.Path} {context.Response.StatusCode}");
            }
        }
    }

    /// <summary>Where to write one line per request (<c>--verbose</c>); none when null.</summary>
    public TextWriter? AccessLog { get; set; }

    private async Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path is "/healthz" or "/livez" or "/readyz")
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("ok");
            return;
        }

        var user = authenticator.Authenticate(context.Request.Headers.Authorization.ToString()) ?? throw ApiError.Unauthorized();
        var catalog = service.Catalog;
        switch (path.TrimEnd('/'))
        {
            case "/version":
                await WriteJsonAsync(context, 200, DiscoveryDocuments.Version());
                return;
            case "/api" when AggregatedDiscovery.IsRequested(context.Request.Headers.Accept.ToString()):
                await WriteJsonAsync(context, 200, AggregatedDiscovery.Document(catalog, core: true), AggregatedDiscovery.ContentType);
                return;
            case "/apis" when AggregatedDiscovery.IsRequested(context.Request.Headers.Accept.ToString()):
                await WriteJsonAsync(context, 200, AggregatedDiscovery.Document(catalog, core: false), AggregatedDiscovery.ContentType);
                return;
            case "/api":
                await WriteJsonAsync(context, 200, DiscoveryDocuments.CoreVersions(ServerAddress));
                return;
            case "/apis":
                await WriteJsonAsync(context, 200, DiscoveryDocuments.GroupList(catalog));
                return;
            case "/api/v1":
                await WriteJsonAsync(context, 200, DiscoveryDocuments.ResourceList(catalog, "", "v1"));
                return;
            case "/openapi/v3":
                await WriteJsonAsync(context, 200, OpenApiDocuments.Root(catalog));
                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var parts = path["/openapi/v3/".Length..].Split('/');
            var document = parts switch
            {
                ["api", var v] => OpenApiDocuments.GroupVersion(catalog, "", v),
                ["apis", var g, var v] => OpenApiDocuments.GroupVersion(catalog, g, v),
                _ => null,
            };
            await (document is null ? WriteErrorAsync(context, NotFoundPath()) : WriteJsonAsync(context, 200, document));
            return;
        }

        var segments = path.Trim('/').Split('/');
        if (segments is ["apis", var group] && catalog.All.Any(t => t.Group == group))
        {
            await WriteJsonAsync(context, 200, DiscoveryDocuments.Group(catalog, group));
            return;
        }

        if (segments is ["apis", var g2, var v2])
        {
            await (catalog.All.Any(t => t.Group == g2 && t.Version == v2)
                ? WriteJsonAsync(context, 200, DiscoveryDocuments.ResourceList(catalog, g2, v2))
                : WriteErrorAsync(context, NotFoundPath()));
            return;
        }

        var apiPath = ApiPath.Parse(path) ?? throw NotFoundPath();
        var type = catalog.Find(apiPath.Group, apiPath.Version, apiPath.Plural) ?? throw NotFoundPath();
        if (type == BuiltInResources.SelfSubjectReviews)
        {
            if (context.Request.Method != "POST" || apiPath.Name.Length > 0)
            {
                throw ApiError.MethodNotAllowed("the server does not allow this method on the requested resource");
            }

            await WriteJsonAsync(context, 201, new JsonObject
            {
                ["kind"] = "SelfSubjectReview",
                ["apiVersion"] = "authentication.k8s.io/v1",
                ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                ["status"] = new JsonObject { ["userInfo"] = user.ToJson() },
            });
            return;
        }

        await ServeResourceAsync(context, type, apiPath, user);
    }

    private async Task ServeResourceAsync(HttpContext context, ResourceType type, ApiPath path, UserInfo user)
    {
        var query = context.Request.Query;
        var method = context.Request.Method;
        var ns = type.Namespaced ? path.Namespace : "";
        var cancellationToken = context.RequestAborted;
        if (path.Subresource.Length > 0 && path.Subresource != "status" && !(path.Subresource == "log" && type == BuiltInResources.Pods))
        {
            throw NotFoundPath();
        }

        if (path.Subresource == "status" && !type.HasStatusSubresource)
        {
            throw NotFoundPath();
        }

        MediaTypes.RequireAcceptable(type, context.Request.Headers.Accept.ToString());
        if (method is "POST" or "PUT")
        {
            MediaTypes.RequireReadableBody(type, context.Request.ContentType);
            CheckWriteOptions(context, method == "POST" ? "CreateOptions" : "UpdateOptions", "");
        }
        else if (method == "DELETE")
        {
            CheckWriteOptions(context, "DeleteOptions", "");
        }

        if (method == "GET" && path.Subresource.Length == 0 && (path.Name.Length == 0 || IsTrue(query["watch"].ToString()) || path.LegacyWatch))
        {
            ListOptionsRules.Check(IsTrue(query["watch"].ToString()) || path.LegacyWatch, query["resourceVersion"].ToString(), query["resourceVersionMatch"].ToString(),
                query["continue"].ToString(), query.ContainsKey("sendInitialEvents"));
        }

        var options = new RequestOptions(user, query["dryRun"].Count > 0, FieldValidation(query["fieldValidation"].ToString()), FieldManager(context));
        if (path.Name.Length == 0)
        {
            switch (method)
            {
                case "GET" when IsTrue(query["watch"].ToString()) || path.LegacyWatch:
                    await watches.StreamAsync(context, type, ns, "", WantsTable(context));
                    return;
                case "GET":
                    await ListAsync(context, type, ns);
                    return;
                case "POST":
                    if (type.Namespaced && ns.Length == 0)
                    {
                        throw ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource");
                    }

                    var created = await service.CreateAsync(type, ns, await ReadObjectAsync(context), options, cancellationToken);
                    await WriteObjectAsync(context, 201, type, created, options);
                    return;
                case "DELETE":
                    await DeleteCollectionAsync(context, type, ns, options);
                    return;
                default:
                    throw ApiError.MethodNotAllowed("the server does not allow this method on the requested resource");
            }
        }

        switch (method)
        {
            case "GET" when path.Subresource == "log":
                await LogAsync(context, ns, path.Name);
                return;
            case "GET" when IsTrue(query["watch"].ToString()) || path.LegacyWatch:
                await watches.StreamAsync(context, type, ns, path.Name, WantsTable(context));
                return;
            case "GET":
            {
                var obj = service.Store.Get(type, ns, path.Name) ?? throw ApiError.NotFound(type.Group, type.Plural, path.Name);
                if (WantsTable(context))
                {
                    await WriteJsonAsync(context, 200, tables.Convert(type, [Present(type, obj)], ObjectFields.ResourceVersion(obj).ToString(CultureInfo.InvariantCulture), null, IncludeObject(context)));
                    return;
                }

                await WriteObjectAsync(context, 200, type, obj, options);
                return;
            }

            case "PUT":
            {
                var updated = await service.UpdateAsync(type, ns, path.Name, path.Subresource, await ReadObjectAsync(context), options, cancellationToken);
                await WriteObjectAsync(context, 200, type, updated, options);
                return;
            }

            case "PATCH":
            {
                var contentType = MediaTypes.MediaType(context.Request.ContentType ?? "");
                MediaTypes.RequirePatchType(type, contentType);
                CheckWriteOptions(context, "PatchOptions", contentType);
                var body = await ReadBodyAsync(context);
                var patch = contentType == "application/apply-patch+yaml" ? YamlJson.ParseBody(body) : JsonNode.Parse(body);
                var existed = service.Store.Get(type, ns, path.Name) is not null;
                var patched = await service.PatchAsync(type, ns, path.Name, path.Subresource, contentType, patch ?? new JsonObject(),
                    IsTrue(query["force"].ToString()), options, cancellationToken);
                await WriteObjectAsync(context, existed ? 200 : 201, type, patched, options);
                return;
            }

            case "DELETE":
            {
                var request = await ReadDeleteRequestAsync(context);
                var result = await service.DeleteAsync(type, ns, path.Name, request, options, cancellationToken);
                var stillThere = service.Store.Get(type, ns, path.Name) is not null;
                if (stillThere || type.IsCustom || type == BuiltInResources.Pods)
                {
                    await WriteObjectAsync(context, 200, type, result, options);
                }
                else
                {
                    await WriteJsonAsync(context, 200, new JsonObject
                    {
                        ["kind"] = "Status",
                        ["apiVersion"] = "v1",
                        ["metadata"] = new JsonObject(),
                        ["status"] = "Success",
                        ["details"] = new JsonObject { ["name"] = path.Name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = ObjectFields.Uid(result) },
                    });
                }

                return;
            }

            default:
                throw ApiError.MethodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private async Task ListAsync(HttpContext context, ResourceType type, string ns)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"].ToString());
        var fields = FieldSelector.Parse(query["fieldSelector"].ToString(), type);
        var (all, revision) = service.Store.List(type, ns);
        var matching = all.Where(item => labels.Matches(ObjectFields.Labels(item)) && fields.Matches(item)).ToList();

        var start = 0;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            var (continueRevision, after) = DecodeContinue(token);
            revision = continueRevision;
            start = matching.FindIndex(item => string.CompareOrdinal(Key(item), after) > 0);
            start = start < 0 ? matching.Count : start;
        }

        var page = matching.Skip(start).ToList();
        string? next = null;
        long? remaining = null;
        if (long.TryParse(query["limit"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && page.Count > limit)
        {
            remaining = page.Count - limit;
            page = page.Take((int)limit).ToList();
            next = EncodeContinue(revision, Key(page[^1]));
        }

        var items = page.Select(item => Present(type, item)).ToList();
        var rv = revision.ToString(CultureInfo.InvariantCulture);
        if (WantsTable(context))
        {
            await WriteJsonAsync(context, 200, tables.Convert(type, items, rv, next, IncludeObject(context)));
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = rv };
        if (next is not null)
        {
            metadata["continue"] = next;
            metadata["remainingItemCount"] = remaining;
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
        });
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceType type, string ns, RequestOptions options)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"].ToString());
        var fields = FieldSelector.Parse(query["fieldSelector"].ToString(), type);
        var request = await ReadDeleteRequestAsync(context);
        var deleted = new JsonArray();
        foreach (var item in service.Store.List(type, ns).Items.Where(item => labels.Matches(ObjectFields.Labels(item)) && fields.Matches(item)))
        {
            try
            {
                deleted.Add(Present(type, await service.DeleteAsync(type, ObjectFields.Namespace(item), ObjectFields.Name(item), request, options, context.RequestAborted)));
            }
            catch (ApiError error) when (error.Code == 404)
            {
                // Deleted concurrently: the collection delete still succeeds.
            }
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = service.Store.CurrentRevision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        });
    }

    private async Task LogAsync(HttpContext context, string ns, string name)
    {
        var pod = service.Store.Get(BuiltInResources.Pods, ns, name) ?? throw ApiError.NotFound("", "pods", name);
        var query = context.Request.Query;
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => ObjectFields.StringAt(c, "name") ?? "").ToList();
        var initContainers = (pod["spec"]?["initContainers"] as JsonArray ?? []).Select(c => ObjectFields.StringAt(c, "name") ?? "").ToList();
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                throw ApiError.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            }

            container = containers[0];
        }
        else if (!containers.Contains(container) && !initContainers.Contains(container))
        {
            throw ApiError.BadRequest($"container {container} is not valid for pod {name}");
        }

        var source = Logs ?? throw ApiError.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: no kubelet is running");
        long? tail = long.TryParse(query["tailLines"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await source.WriteLogAsync(pod, container, IsTrue(query["follow"].ToString()), tail, IsTrue(query["previous"].ToString()), context.Response.Body, context.RequestAborted);
    }

    /// <summary>Every object goes out with the apiVersion of the endpoint it was read from (versions share storage).</summary>
    internal static JsonObject Present(ResourceType type, JsonObject obj)
    {
        obj = type.Served(obj);
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        return obj;
    }

    private async Task WriteObjectAsync(HttpContext context, int code, ResourceType type, JsonObject obj, RequestOptions options)
    {
        foreach (var warning in options.Warnings)
        {
            context.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await WriteJsonAsync(context, code, Present(type, obj));
    }

    internal static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Headers.Remove("Warning");
        return WriteJsonAsync(context, error.Code, error.ToStatus());
    }

    private static ApiError NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        if ((context.Request.ContentType ?? "").StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return ProtobufBodies.Decode(buffer.ToArray());
        }

        var text = await ReadBodyAsync(context);
        return YamlJson.ParseBody(text) as JsonObject ?? throw ApiError.BadRequest("the request body must be an object");
    }

    private static async Task<DeleteRequest> ReadDeleteRequestAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var body = await ReadBodyAsync(context);
        var options = body.Trim().Length > 0 ? JsonNode.Parse(body) as JsonObject : null;
        long? grace = options?["gracePeriodSeconds"]?.GetValue<long>();
        if (grace is null && long.TryParse(query["gracePeriodSeconds"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var g))
        {
            grace = g;
        }

        var policy = ObjectFields.StringAt(options, "propagationPolicy") ?? NullIfEmpty(query["propagationPolicy"].ToString());
        if (policy is null && options?["orphanDependents"]?.GetValue<bool>() == true)
        {
            policy = "Orphan";
        }

        return new DeleteRequest(policy, grace, ObjectFields.StringAt(options?["preconditions"], "uid"), ObjectFields.StringAt(options?["preconditions"], "resourceVersion"));
    }

    private static void CheckWriteOptions(HttpContext context, string optionsKind, string patchType)
    {
        var query = context.Request.Query;
        WriteOptionsRules.Check(optionsKind, patchType, query["fieldManager"].ToString(), query.ContainsKey("force"),
            query["dryRun"].Select(v => v ?? "").ToList(), query["fieldValidation"].ToString());
    }

    private static bool WantsTable(HttpContext context) => context.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static string IncludeObject(HttpContext context) => context.Request.Query["includeObject"].ToString() is { Length: > 0 } value ? value : "Metadata";

    /// <summary>Warn when unset, as since 1.23; other values are refused by <see cref="WriteOptionsRules"/> on writes and ignored on reads.</summary>
    private static string FieldValidation(string value) => value.Length == 0 ? "Warn" : value;

    /// <summary>The field manager named in the request, else the user agent's program name, as the real server derives it.</summary>
    private static string FieldManager(HttpContext context)
    {
        var named = context.Request.Query["fieldManager"].ToString();
        if (named.Length > 0)
        {
            return named;
        }

        var agent = context.Request.Headers.UserAgent.ToString();
        var program = agent.Split('/')[0].Trim();
        return program.Length > 0 ? program : "unknown";
    }

    private static bool IsTrue(string value) => value is "true" or "1" or "True";

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string Key(JsonObject item) => ObjectFields.Namespace(item) + "/" + ObjectFields.Name(item);

    private static string EncodeContinue(long revision, string after) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = after }.ToJsonString()));

    private static (long Revision, string After) DecodeContinue(string token)
    {
        try
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
            return (node!["rv"]!.GetValue<long>(), node["start"]!.GetValue<string>());
        }
        catch (Exception error) when (error is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiError.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }
}
