using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Legacy (unaggregated) discovery: /api, /apis, /apis/{group}, and the APIResourceList per group
/// version. kubectl asks for aggregated discovery first and falls back to these when the server
/// answers with plain application/json, exactly as against a server without aggregated discovery.
/// </summary>
internal static class DiscoveryDocuments
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0-chunkgate-local",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(ResourceCatalog catalog) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(catalog.GroupsInOrder().Select(group => (JsonNode)Group(catalog, group)).ToArray()),
    };

    public static JsonObject Group(ResourceCatalog catalog, string group)
    {
        var versions = catalog.All.Where(t => t.Group == group).Select(t => t.Version).Distinct().ToList();
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject ResourceList(ResourceCatalog catalog, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in catalog.All.Where(t => t.Group == group && t.Version == version))
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(type.Verbs),
            };
            if (type.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(type.ShortNames);
            }

            if (type.Categories.Count > 0)
            {
                entry["categories"] = Strings(type.Categories);
            }

            entry["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(type.StorageKey + type.Version)))[..11];
            resources.Add(entry);
            if (type.HasStatusSubresource)
            {
                resources.Add(Subresource(type, "status", ["get", "patch", "update"]));
            }

            foreach (var extra in type.ExtraSubresources)
            {
                resources.Add(Subresource(type, extra, extra == "log" ? ["get"] : ["update"]));
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Subresource(ResourceType type, string name, IReadOnlyList<string> verbs) => new()
    {
        ["name"] = $"{type.Plural}/{name}",
        ["singularName"] = "",
        ["namespaced"] = type.Namespaced,
        ["kind"] = name == "log" ? "Pod" : type.Kind,
        ["verbs"] = Strings(verbs),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
