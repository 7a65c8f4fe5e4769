using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds (kubectl's client-side apply sends it for them).
/// A merge patch plus list merging by the patch-merge keys the built-in types declare, and the
/// <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder</c> and <c>$deleteFromPrimitiveList</c> directives.
/// </summary>
internal static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["ownerReferences"] = "uid",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["tolerations"] = "key",
        ["hostAliases"] = "ip",
    };

    /// <summary>Lists the real types merge as sets of scalars (<c>patchStrategy:"merge"</c> on a []string).</summary>
    private static readonly HashSet<string> MergedScalarLists = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Merge(target, patch);

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (patchObject["$patch"]?.GetValue<string>() is "replace")
        {
            var replacement = (JsonObject)patchObject.DeepClone();
            replacement.Remove("$patch");
            return replacement;
        }

        if (patchObject["$patch"]?.GetValue<string>() is "delete")
        {
            return null;
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = key["$deleteFromPrimitiveList/".Length..];
                if (result[listName] is JsonArray existing && value is JsonArray removals)
                {
                    var remove = removals.Select(r => r?.ToJsonString()).ToHashSet(StringComparer.Ordinal);
                    result[listName] = new JsonArray(existing.Where(e => !remove.Contains(e?.ToJsonString())).Select(e => e?.DeepClone()).ToArray());
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList && MergeKeys.TryGetValue(key, out var mergeKey))
            {
                result[key] = MergeList(result[key] as JsonArray, patchList, mergeKey);
            }
            else if (value is JsonArray scalars && MergedScalarLists.Contains(key) && result[key] is JsonArray current)
            {
                var merged = current.Select(e => e?.DeepClone()).ToList();
                foreach (var item in scalars.Where(item => !merged.Any(e => JsonNode.DeepEquals(e, item))))
                {
                    merged.Add(item?.DeepClone());
                }

                result[key] = new JsonArray(merged.ToArray());
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray? current, JsonArray patch, string mergeKey)
    {
        var merged = current?.Select(e => e?.DeepClone()).ToList() ?? [];
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                merged.Add(item?.DeepClone());
                continue;
            }

            var keyValue = patchItem[mergeKey]?.ToJsonString();
            var index = merged.FindIndex(e => e is JsonObject o && o[mergeKey]?.ToJsonString() == keyValue);
            var deleting = patchItem["$patch"]?.GetValue<string>() is "delete";
            if (index < 0)
            {
                if (!deleting)
                {
                    merged.Add(Merge(null, patchItem));
                }
            }
            else if (deleting)
            {
                merged.RemoveAt(index);
            }
            else
            {
                merged[index] = Merge(merged[index], patchItem);
            }
        }

        return new JsonArray(merged.ToArray());
    }
}
