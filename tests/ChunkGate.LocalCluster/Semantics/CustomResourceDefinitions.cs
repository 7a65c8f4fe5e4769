using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>Turns an apiextensions.k8s.io/v1 CRD into the resource types it serves, and checks what the real server checks first.</summary>
internal static class CustomResourceDefinitions
{
    private static readonly PrinterColumn DefaultAgeColumn = new("Age", "date", null, ".metadata.creationTimestamp",
        "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);

    public static IEnumerable<StatusCause> Validate(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = ObjectFields.StringAt(spec, "group") ?? "";
        var plural = ObjectFields.StringAt(spec?["names"], "plural") ?? "";
        if (group.Length == 0)
        {
            yield return new StatusCause("FieldValueRequired", "Required value", "spec.group");
        }

        if (plural.Length == 0)
        {
            yield return new StatusCause("FieldValueRequired", "Required value", "spec.names.plural");
        }

        if (string.IsNullOrEmpty(ObjectFields.StringAt(spec?["names"], "kind")))
        {
            yield return new StatusCause("FieldValueRequired", "Required value", "spec.names.kind");
        }

        if (ObjectFields.StringAt(spec, "scope") is not ("Namespaced" or "Cluster"))
        {
            yield return new StatusCause("FieldValueNotSupported",
                $"Unsupported value: \"{ObjectFields.StringAt(spec, "scope")}\": supported values: \"Cluster\", \"Namespaced\"", "spec.scope");
        }

        if (group.Length > 0 && plural.Length > 0 && ObjectFields.Name(crd) != $"{plural}.{group}")
        {
            yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"{ObjectFields.Name(crd)}\": must be spec.names.plural+\".\"+spec.group", "metadata.name");
        }

        if (spec?["versions"] is not JsonArray { Count: > 0 } versions)
        {
            yield return new StatusCause("FieldValueInvalid", "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version", "spec.versions");
            yield break;
        }

        if (versions.Count(v => v?["storage"]?.GetValue<bool>() == true) != 1)
        {
            yield return new StatusCause("FieldValueInvalid", "Invalid value: must have exactly one version marked as storage version", "spec.versions");
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]?["schema"]?["openAPIV3Schema"] is null)
            {
                yield return new StatusCause("FieldValueRequired", "Required value: schemas are required", $"spec.versions[{i}].schema.openAPIV3Schema");
            }
        }
    }

    public static (string Group, string Plural) Identity(JsonObject crd) =>
        (ObjectFields.StringAt(crd["spec"], "group") ?? "", ObjectFields.StringAt(crd["spec"]?["names"], "plural") ?? "");

    public static IReadOnlyList<ResourceType> ServedTypes(JsonObject crd)
    {
        var spec = crd["spec"]!;
        var names = spec["names"]!;
        var kind = ObjectFields.StringAt(names, "kind")!;
        var shortNames = names["shortNames"]?.AsArray().Select(s => s!.GetValue<string>()).ToList() ?? [];
        var categories = names["categories"]?.AsArray().Select(s => s!.GetValue<string>()).ToList() ?? [];
        var types = new List<ResourceType>();
        foreach (var version in spec["versions"]!.AsArray().OfType<JsonObject>().Where(v => v["served"]?.GetValue<bool>() != false))
        {
            var columns = version["additionalPrinterColumns"]?.AsArray().OfType<JsonObject>().Select(c => new PrinterColumn(
                ObjectFields.StringAt(c, "name") ?? "",
                ObjectFields.StringAt(c, "type") ?? "string",
                ObjectFields.StringAt(c, "format"),
                ObjectFields.StringAt(c, "jsonPath") ?? "",
                ObjectFields.StringAt(c, "description") ?? "",
                c["priority"]?.GetValue<int>() ?? 0)).ToList() ?? [];
            types.Add(new ResourceType(
                ObjectFields.StringAt(spec, "group")!,
                ObjectFields.StringAt(version, "name")!,
                kind,
                ObjectFields.StringAt(names, "plural")!,
                ObjectFields.StringAt(names, "singular") ?? kind.ToLowerInvariant(),
                ObjectFields.StringAt(spec, "scope") == "Namespaced",
                shortNames,
                categories,
                version["subresources"]?["status"] is not null,
                columns.Count > 0 ? columns : [DefaultAgeColumn],
                version["schema"]?["openAPIV3Schema"]?.DeepClone(),
                IsCustom: true,
                TracksGeneration: true,
                ResourceType.AllVerbs,
                []));
        }

        return types;
    }

    /// <summary>The status a real server reports once the names are accepted and the resource is established.</summary>
    public static JsonObject EstablishedStatus(JsonObject crd, string now)
    {
        var spec = crd["spec"]!;
        var names = spec["names"]!.DeepClone().AsObject();
        names["singular"] ??= ObjectFields.StringAt(names, "kind")!.ToLowerInvariant();
        names["listKind"] ??= ObjectFields.StringAt(names, "kind") + "List";
        var stored = spec["versions"]!.AsArray().OfType<JsonObject>().Where(v => v["storage"]?.GetValue<bool>() == true)
            .Select(v => (JsonNode)JsonValue.Create(ObjectFields.StringAt(v, "name"))!).ToArray();
        var previous = crd["status"]?["conditions"]?.AsArray();
        string Since(string type) =>
            previous?.OfType<JsonObject>().FirstOrDefault(c => ObjectFields.StringAt(c, "type") == type)?["lastTransitionTime"]?.GetValue<string>() ?? now;
        return new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["lastTransitionTime"] = Since("NamesAccepted"), ["reason"] = "NoConflicts", ["message"] = "no conflicts found" },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["lastTransitionTime"] = Since("Established"), ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted" }),
            ["storedVersions"] = new JsonArray(stored),
        };
    }
}
