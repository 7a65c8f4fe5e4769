using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Patching;

/// <summary>
/// Field ownership (<c>metadata.managedFields</c>) and server-side apply. Simplified against the real
/// structured-merge-diff: lists are atomic, ownership is tracked per leaf field, but conflicts,
/// forced takeover and removal of fields a manager stopped applying behave as the real server does.
/// </summary>
internal static class ManagedFields
{
    private static readonly HashSet<string> Untracked = new(StringComparer.Ordinal)
    {
        "/apiVersion", "/kind", "/metadata/name", "/metadata/namespace", "/metadata/uid", "/metadata/resourceVersion",
        "/metadata/managedFields", "/metadata/creationTimestamp", "/metadata/generation", "/metadata/deletionTimestamp",
        "/metadata/deletionGracePeriodSeconds", "/metadata/selfLink",
    };

    public static JsonObject Apply(JsonObject? current, JsonObject applied, ResourceType type, string manager, bool force, string now)
    {
        var appliedPaths = LeafPaths(applied).Where(Tracked).ToHashSet(StringComparer.Ordinal);
        var entries = Entries(current);
        var result = current is null ? new JsonObject() : (JsonObject)current.DeepClone();

        var conflicts = new List<string>();
        foreach (var entry in entries.Where(e => e.Manager != manager || e.Operation != "Apply"))
        {
            foreach (var path in appliedPaths.Where(p => entry.Paths.Any(owned => Overlaps(owned, p))).ToList())
            {
                if (JsonNode.DeepEquals(ValueAt(result, path), ValueAt(applied, path)) || entry.Manager == manager)
                {
                    continue;
                }

                if (force)
                {
                    entry.Paths.RemoveWhere(owned => Overlaps(owned, path));
                }
                else
                {
                    conflicts.Add($"conflict with \"{entry.Manager}\"{(entry.Operation == "Update" ? " using " + entry.ApiVersion : "")}: {DottedPath(path)}");
                }
            }
        }

        if (conflicts.Count > 0)
        {
            var message = conflicts.Count == 1 ? $"Apply failed with 1 conflict: {conflicts[0]}" : $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", conflicts)}";
            throw new ApiError(409, "Conflict", message, ApiError.Conflict(type.Group, type.Plural, ObjectFields.Name(applied), message).Details);
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply");
        if (mine is not null)
        {
            var othersOwn = entries.Where(e => e != mine).SelectMany(e => e.Paths).ToList();
            foreach (var dropped in mine.Paths.Where(p => !appliedPaths.Contains(p) && !othersOwn.Any(o => Overlaps(o, p))).ToList())
            {
                RemoveAt(result, dropped);
            }
        }

        result = (JsonObject)DeepMerge(result, applied)!;
        foreach (var entry in entries.Where(e => e.Manager == manager && e.Operation == "Update"))
        {
            entry.Paths.ExceptWith(appliedPaths);
        }

        entries.RemoveAll(e => e.Manager == manager && e.Operation == "Apply");
        entries.Add(new Entry(manager, "Apply", type.ApiVersion, now, appliedPaths));
        Write(result, entries);
        return result;
    }

    /// <summary>Records an update (PUT or non-apply PATCH): the manager takes every field it changed.</summary>
    public static void RecordUpdate(JsonObject? previous, JsonObject next, string manager, string apiVersion, string now)
    {
        var before = previous is null ? new Dictionary<string, string>() : LeafValues(previous);
        var after = LeafValues(next);
        var changed = after.Where(pair => !before.TryGetValue(pair.Key, out var old) || old != pair.Value).Select(p => p.Key).Where(Tracked).ToHashSet(StringComparer.Ordinal);
        var entries = Entries(previous);
        if (changed.Count == 0)
        {
            Write(next, entries);
            return;
        }

        foreach (var entry in entries.Where(e => e.Manager != manager))
        {
            entry.Paths.RemoveWhere(owned => changed.Any(c => Overlaps(owned, c)));
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update");
        if (mine is null)
        {
            entries.Add(new Entry(manager, "Update", apiVersion, now, changed));
        }
        else
        {
            mine.Paths.UnionWith(changed);
            entries[entries.IndexOf(mine)] = mine with { Time = now };
        }

        Write(next, entries);
    }

    private sealed record Entry(string Manager, string Operation, string ApiVersion, string Time, HashSet<string> Paths);

    private static bool Tracked(string path) => !Untracked.Contains(path) && !path.StartsWith("/metadata/managedFields", StringComparison.Ordinal);

    private static bool Overlaps(string a, string b) =>
        a == b || b.StartsWith(a + "/", StringComparison.Ordinal) || a.StartsWith(b + "/", StringComparison.Ordinal);

    private static List<Entry> Entries(JsonObject? obj)
    {
        var list = new List<Entry>();
        foreach (var item in obj?["metadata"]?["managedFields"]?.AsArray() ?? [])
        {
            if (item is not JsonObject entry)
            {
                continue;
            }

            var paths = new HashSet<string>(StringComparer.Ordinal);
            CollectPaths(entry["fieldsV1"], "", paths);
            list.Add(new Entry(ObjectFields.StringAt(entry, "manager") ?? "", ObjectFields.StringAt(entry, "operation") ?? "Update",
                ObjectFields.StringAt(entry, "apiVersion") ?? "", ObjectFields.StringAt(entry, "time") ?? "", paths));
        }

        return list;
    }

    private static void CollectPaths(JsonNode? node, string prefix, HashSet<string> paths)
    {
        if (node is not JsonObject obj || obj.Count == 0)
        {
            if (prefix.Length > 0)
            {
                paths.Add(prefix);
            }

            return;
        }

        foreach (var (key, child) in obj)
        {
            if (key.StartsWith("f:", StringComparison.Ordinal))
            {
                CollectPaths(child, prefix + "/" + Escape(key[2..]), paths);
            }
            else if (key != "." && prefix.Length > 0)
            {
                paths.Add(prefix);
            }
        }
    }

    private static void Write(JsonObject obj, List<Entry> entries)
    {
        var array = new JsonArray();
        foreach (var entry in entries.Where(e => e.Paths.Count > 0))
        {
            var fields = new JsonObject();
            foreach (var path in entry.Paths.OrderBy(p => p, StringComparer.Ordinal))
            {
                var cursor = fields;
                foreach (var token in path.Split('/').Skip(1).Select(Unescape))
                {
                    if (cursor["f:" + token] is not JsonObject next)
                    {
                        next = new JsonObject();
                        cursor["f:" + token] = next;
                    }

                    cursor = next;
                }
            }

            array.Add(new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
                ["time"] = entry.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = fields,
            });
        }

        var metadata = ObjectFields.Metadata(obj);
        if (array.Count == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = array;
        }
    }

    private static IEnumerable<string> LeafPaths(JsonNode? node, string prefix = "")
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, child) in obj)
            {
                foreach (var path in LeafPaths(child, prefix + "/" + Escape(key)))
                {
                    yield return path;
                }
            }
        }
        else if (prefix.Length > 0)
        {
            yield return prefix;
        }
    }

    private static Dictionary<string, string> LeafValues(JsonObject obj) =>
        LeafPaths(obj).ToDictionary(p => p, p => ValueAt(obj, p)?.ToJsonString() ?? "null", StringComparer.Ordinal);

    private static JsonNode? ValueAt(JsonNode? node, string path)
    {
        foreach (var token in path.Split('/').Skip(1).Select(Unescape))
        {
            node = node is JsonObject obj ? obj[token] : null;
        }

        return node;
    }

    private static void RemoveAt(JsonObject root, string path)
    {
        var tokens = path.Split('/').Skip(1).Select(Unescape).ToList();
        JsonNode? node = root;
        foreach (var token in tokens.Take(tokens.Count - 1))
        {
            node = node is JsonObject obj ? obj[token] : null;
        }

        (node as JsonObject)?.Remove(tokens[^1]);
    }

    private static JsonNode? DeepMerge(JsonNode? target, JsonNode? overlay)
    {
        if (overlay is not JsonObject overlayObject || target is not JsonObject targetObject)
        {
            return overlay?.DeepClone();
        }

        var result = (JsonObject)targetObject.DeepClone();
        foreach (var (key, value) in overlayObject)
        {
            result[key] = DeepMerge(result[key], value);
        }

        return result;
    }

    private static string DottedPath(string path) => "." + string.Join(".", path.Split('/').Skip(1).Select(Unescape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Unescape(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
}
