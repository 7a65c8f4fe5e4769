using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// A minimal OpenAPI v3 surface: the root index and, per group version, the paths with their PATCH
/// operations and the <c>fieldValidation</c> parameter. That is what kubectl's query-parameter verifier
/// reads to decide that the server validates fields itself (so kubectl sends fieldValidation=Strict),
/// and the schemas let kubectl explain/apply find CRD fields. /openapi/v2 is not served (404), which
/// kubectl tolerates as it does for servers that disable it.
/// </summary>
internal static class OpenApiDocuments
{
    public static JsonObject Root(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var groupVersion in catalog.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = groupVersion.Group.Length == 0 ? $"api/{groupVersion.Version}" : $"apis/{groupVersion.Group}/{groupVersion.Version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(catalog, groupVersion.Group, groupVersion.Version)}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(ResourceCatalog catalog, string group, string version)
    {
        var types = catalog.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in types)
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var item = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            var gvk = new JsonArray(new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind });
            paths[item] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["parameters"] = new JsonArray(
                        new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                        new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                        new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = gvk[0]!.DeepClone(),
                },
            };
            if (type.Schema?.DeepClone() is JsonObject schema)
            {
                schema["x-kubernetes-group-version-kind"] = gvk;
                schemas[$"{ReverseDomain(group)}.{version}.{type.Kind}"] = schema;
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string ReverseDomain(string group) =>
        group.Length == 0 ? "io.k8s.api.core" : string.Join(".", group.Split('.').Reverse());

    private static string Hash(ResourceCatalog catalog, string group, string version)
    {
        var fingerprint = string.Join("|", catalog.All.Where(t => t.Group == group && t.Version == version).Select(t => t.Plural + (t.Schema?.ToJsonString() ?? "")));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fingerprint)))[..32];
    }
}
