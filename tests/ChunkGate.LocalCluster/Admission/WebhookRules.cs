using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Selectors;

namespace ChunkGate.LocalCluster.Admission;

/// <summary>Which requests a webhook sees: its <c>rules</c>, <c>namespaceSelector</c> and <c>objectSelector</c> (pure).</summary>
internal static class WebhookRules
{
    public static bool Matches(JsonObject webhook, AdmissionAttributes request, IReadOnlyDictionary<string, string>? namespaceLabels)
    {
        if (!(webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Any(rule => RuleMatches(rule, request)))
        {
            return false;
        }

        if (namespaceLabels is not null && !LabelSelector.FromObject(webhook["namespaceSelector"]).Matches(namespaceLabels))
        {
            return false;
        }

        var objectSelector = LabelSelector.FromObject(webhook["objectSelector"]);
        if (objectSelector.IsEmpty)
        {
            return true;
        }

        return (request.Object is { } obj && objectSelector.Matches(ObjectFields.Labels(obj))) ||
               (request.OldObject is { } old && objectSelector.Matches(ObjectFields.Labels(old)));
    }

    public static bool RuleMatches(JsonObject rule, AdmissionAttributes request)
    {
        var type = request.Type;
        if (!AnyOf(rule["operations"], request.Operation) || !AnyOf(rule["apiGroups"], type.Group) || !AnyOf(rule["apiVersions"], type.Version))
        {
            return false;
        }

        var scope = ObjectFields.StringAt(rule, "scope") ?? "*";
        if ((scope == "Namespaced" && !type.Namespaced) || (scope == "Cluster" && type.Namespaced))
        {
            return false;
        }

        return (rule["resources"] as JsonArray ?? []).Select(r => r?.GetValue<string>() ?? "").Any(pattern => ResourceMatches(pattern, type.Plural, request.Subresource));
    }

    private static bool ResourceMatches(string pattern, string resource, string subresource)
    {
        var slash = pattern.IndexOf('/');
        var (resourcePattern, subPattern) = slash < 0 ? (pattern, "") : (pattern[..slash], pattern[(slash + 1)..]);
        var resourceOk = resourcePattern == "*" || resourcePattern == resource;
        var subOk = subPattern == "*" ? subresource.Length > 0 || pattern == "*/*" : subPattern == subresource;
        return resourceOk && subOk;
    }

    private static bool AnyOf(JsonNode? values, string actual) =>
        (values as JsonArray ?? []).Select(v => v?.GetValue<string>()).Any(v => v == "*" || v == actual);
}
