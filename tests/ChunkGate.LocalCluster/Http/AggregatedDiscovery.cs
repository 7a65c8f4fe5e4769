using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), what kubectl 1.32 asks for
/// first: /api answers the core group, /apis every other group, each in one document.
/// </summary>
internal static class AggregatedDiscovery
{
    public const string ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static bool IsRequested(string accept) =>
        accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) && accept.Contains("v=v2", StringComparison.Ordinal) &&
        !accept.StartsWith("application/json,", StringComparison.Ordinal) && accept != "application/json";

    public static JsonObject Document(ResourceCatalog catalog, bool core)
    {
        var groups = core ? [""] : catalog.GroupsInOrder().ToList();
        var items = new JsonArray();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var version in catalog.All.Where(t => t.Group == group).Select(t => t.Version).Distinct())
            {
                var resources = new JsonArray();
                foreach (var type in catalog.All.Where(t => t.Group == group && t.Version == version))
                {
                    var resource = new JsonObject
                    {
                        ["resource"] = type.Plural,
                        ["responseKind"] = Kind(type, type.Kind),
                        ["scope"] = type.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = type.Singular,
                        ["verbs"] = Strings(type.Verbs),
                    };
                    if (type.ShortNames.Count > 0)
                    {
                        resource["shortNames"] = Strings(type.ShortNames);
                    }

                    if (type.Categories.Count > 0)
                    {
                        resource["categories"] = Strings(type.Categories);
                    }

                    var subresources = new JsonArray();
                    if (type.HasStatusSubresource)
                    {
                        subresources.Add(new JsonObject { ["subresource"] = "status", ["responseKind"] = Kind(type, type.Kind), ["verbs"] = Strings(["get", "patch", "update"]) });
                    }

                    foreach (var extra in type.ExtraSubresources)
                    {
                        subresources.Add(new JsonObject
                        {
                            ["subresource"] = extra,
                            ["responseKind"] = Kind(type, extra == "log" ? "Pod" : type.Kind),
                            ["verbs"] = Strings(extra == "log" ? ["get"] : ["update"]),
                        });
                    }

                    if (subresources.Count > 0)
                    {
                        resource["subresources"] = subresources;
                    }

                    resources.Add(resource);
                }

                versions.Add(new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            items.Add(new JsonObject { ["metadata"] = new JsonObject { ["name"] = group, ["creationTimestamp"] = null }, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonObject Kind(ResourceType type, string kind) => new() { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
