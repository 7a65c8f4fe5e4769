using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>Defaulting and validation the real API server applies to the built-in kinds the stand-in serves.</summary>
internal static class BuiltInKindRules
{
    public static void Normalize(ResourceType type, JsonObject obj, JsonObject? old)
    {
        switch (type.StorageKey)
        {
            case "/secrets":
                NormalizeSecret(obj, old);
                break;
            case "/namespaces":
                ObjectFields.Metadata(obj)["labels"] ??= new JsonObject();
                ObjectFields.Metadata(obj)["labels"]!["kubernetes.io/metadata.name"] = ObjectFields.Name(obj);
                obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                if (old is null)
                {
                    obj["status"] = new JsonObject { ["phase"] = "Active" };
                }

                break;
            case "/pods" when old is null:
                DefaultPod(obj);
                break;
        }
    }

    public static IEnumerable<StatusCause> Validate(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (type.StorageKey == "/pods")
        {
            if (obj["spec"]?["containers"] is not JsonArray { Count: > 0 } containers)
            {
                yield return new StatusCause("FieldValueRequired", "Required value", "spec.containers");
                yield break;
            }

            for (var i = 0; i < containers.Count; i++)
            {
                if (string.IsNullOrEmpty(ObjectFields.StringAt(containers[i], "name")))
                {
                    yield return new StatusCause("FieldValueRequired", "Required value", $"spec.containers[{i}].name");
                }

                if (string.IsNullOrEmpty(ObjectFields.StringAt(containers[i], "image")))
                {
                    yield return new StatusCause("FieldValueRequired", "Required value", $"spec.containers[{i}].image");
                }
            }

            if (old is not null && !SamePodSpecApartFromMutableFields(old, obj))
            {
                yield return new StatusCause("FieldValueForbidden",
                    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                    "spec");
            }
        }

        if (type.StorageKey == "/events" && old is null)
        {
            foreach (var cause in EventRules.ValidateCreate(type, obj))
            {
                yield return cause;
            }
        }

        if (type.StorageKey == "/secrets" && old?["immutable"]?.GetValue<bool>() == true &&
            !ObjectFields.SameJson(old["data"], obj["data"]))
        {
            yield return new StatusCause("FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set", "data");
        }

        if (type.StorageKey == "/configmaps" && old?["immutable"]?.GetValue<bool>() == true &&
            !ObjectFields.SameJson(old["data"], obj["data"]))
        {
            yield return new StatusCause("FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set", "data");
        }
    }

    private static void NormalizeSecret(JsonObject obj, JsonObject? old)
    {
        _ = old;
        if (obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(ObjectFields.ScalarText(value)));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }

        if (obj["data"] is JsonObject encoded)
        {
            foreach (var (key, value) in encoded)
            {
                var text = ObjectFields.ScalarText(value);
                var buffer = new byte[text.Length];
                if (!Convert.TryFromBase64String(text, buffer, out _))
                {
                    // The real server fails to decode the []byte field; never echo the value back.
                    throw ApiError.BadRequest($"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data in data[\"{key}\"]");
                }
            }
        }

        if (string.IsNullOrEmpty(ObjectFields.StringAt(obj, "type")))
        {
            obj["type"] = "Opaque";
        }
    }

    private static void DefaultPod(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        pod["spec"] = spec;
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["serviceAccountName"] ??= "default";
        spec["serviceAccount"] ??= spec["serviceAccountName"]!.DeepClone();
        spec["securityContext"] ??= new JsonObject();
        foreach (var container in (spec["containers"] as JsonArray ?? []).Concat(spec["initContainers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            var image = ObjectFields.StringAt(container, "image") ?? "";
            container["imagePullPolicy"] ??= image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':', StringComparison.Ordinal) ? "Always" : "IfNotPresent";
            container["resources"] ??= new JsonObject();
        }

        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
    }

    private static bool SamePodSpecApartFromMutableFields(JsonObject old, JsonObject next)
    {
        static JsonNode? Comparable(JsonObject pod)
        {
            var spec = pod["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
            spec.Remove("activeDeadlineSeconds");
            spec.Remove("tolerations");
            spec.Remove("terminationGracePeriodSeconds");
            spec.Remove("nodeName");
            foreach (var container in (spec["containers"] as JsonArray ?? []).Concat(spec["initContainers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                container.Remove("image");
            }

            return spec;
        }

        return ObjectFields.SameJson(Comparable(old), Comparable(next));
    }
}
