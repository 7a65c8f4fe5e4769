using System.Globalization;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Server-side printing (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>): CRDs use their
/// additionalPrinterColumns as the apiextensions table convertor does; built-in kinds use the columns
/// of the real printers (pkg/printers/internalversion).
/// </summary>
internal sealed class TableConverter(TimeProvider clock)
{
    private const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.";

    public JsonObject Convert(ResourceType type, IReadOnlyList<JsonObject> items, string resourceVersion, string? continueToken, string includeObject, bool withColumns = true)
    {
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        };
        if (!string.IsNullOrEmpty(continueToken))
        {
            table["metadata"]!["continue"] = continueToken;
        }

        var columns = Columns(type);
        table["columnDefinitions"] = withColumns
            ? new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format ?? "",
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray())
            : new JsonArray();
        table["rows"] = new JsonArray(items.Select(item => (JsonNode)Row(type, columns, item, includeObject)).ToArray());
        return table;
    }

    private JsonObject Row(ResourceType type, IReadOnlyList<PrinterColumn> columns, JsonObject item, string includeObject)
    {
        var cells = type.IsCustom ? CustomCells(columns, item) : BuiltInCells(type, item);
        var row = new JsonObject { ["cells"] = new JsonArray(cells.ToArray()) };
        switch (includeObject)
        {
            case "Object":
                row["object"] = item.DeepClone();
                break;
            case "None":
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                };
                break;
        }

        return row;
    }

    public static IReadOnlyList<PrinterColumn> Columns(ResourceType type)
    {
        var name = new PrinterColumn("Name", "string", "name", "", NameDescription, 0);
        if (type.IsCustom)
        {
            return [name, .. type.PrinterColumns];
        }

        var age = new PrinterColumn("Age", "string", null, "", AgeDescription, 0);
        return type.StorageKey switch
        {
            "/pods" =>
            [
                name,
                new("Ready", "string", null, "", "The aggregate readiness state of this pod for accepting traffic.", 0),
                new("Status", "string", null, "", "The aggregate status of the containers in this pod.", 0),
                new("Restarts", "string", null, "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
                age,
                new("IP", "string", null, "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
                new("Node", "string", null, "", "NodeName is a request to schedule this pod onto a specific node.", 1),
                new("Nominated Node", "string", null, "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
                new("Readiness Gates", "string", null, "", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
            ],
            "/secrets" => [name, new("Type", "string", null, "", "The type of secret", 0), new("Data", "string", null, "", "The number of entries in the secret", 0), age],
            "/configmaps" => [name, new("Data", "string", null, "", "Number of data in configmap", 0), age],
            "/namespaces" => [name, new("Status", "string", null, "", "The status of the namespace", 0), age],
            "/nodes" =>
            [
                name,
                new("Status", "string", null, "", "The status of the node", 0),
                new("Roles", "string", null, "", "The roles of the node", 0),
                age,
                new("Version", "string", null, "", "Kubelet Version reported by the node.", 0),
            ],
            "/serviceaccounts" => [name, new("Secrets", "string", null, "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", 0), age],
            "/events" =>
            [
                new("Last Seen", "string", null, "", "Time when last event occurred", 0),
                new("Type", "string", null, "", "Type of this event.", 0),
                new("Reason", "string", null, "", "Reason for this event.", 0),
                new("Object", "string", null, "", "The object this event is about.", 0),
                new("Message", "string", null, "", "A human-readable description of the status of this operation.", 0),
            ],
            "coordination.k8s.io/leases" => [name, new("Holder", "string", null, "", "The holder of the lease", 0), age],
            "admissionregistration.k8s.io/mutatingwebhookconfigurations" or "admissionregistration.k8s.io/validatingwebhookconfigurations" =>
                [name, new("Webhooks", "integer", null, "", "Webhooks indicates the number of webhooks in the configuration", 0), age],
            _ => [name, new("Created At", "date", null, "", AgeDescription, 0)],
        };
    }

    private List<JsonNode?> CustomCells(IReadOnlyList<PrinterColumn> columns, JsonObject item)
    {
        var cells = new List<JsonNode?> { ObjectFields.Name(item) };
        foreach (var column in columns.Skip(1))
        {
            var results = SimpleJsonPath.Evaluate(item, column.JsonPath);
            if (results.Count == 0 || results[0] is null)
            {
                cells.Add(null);
                continue;
            }

            cells.Add(column.Type switch
            {
                "string" => string.Join(" ", results.Select(ObjectFields.ScalarText)),
                "integer" when results[0] is JsonValue v && v.TryGetValue<double>(out var n) => (long)n,
                "number" when results[0] is JsonValue v && v.TryGetValue<double>(out var n) => n,
                "boolean" when results[0] is JsonValue v && v.TryGetValue<bool>(out var b) => b,
                "date" => ObjectFields.ParseTimestamp(ObjectFields.ScalarText(results[0])) is { } t ? Age(t) : "<invalid>",
                _ => null,
            });
        }

        return cells;
    }

    private List<JsonNode?> BuiltInCells(ResourceType type, JsonObject item)
    {
        var name = ObjectFields.Name(item);
        var age = ObjectFields.ParseTimestamp(ObjectFields.StringAt(item["metadata"], "creationTimestamp")) is { } created ? Age(created) : "<unknown>";
        return type.StorageKey switch
        {
            "/pods" => PodCells(item, name, age),
            "/secrets" => [name, ObjectFields.StringAt(item, "type") ?? "", (item["data"] as JsonObject)?.Count ?? 0, age],
            "/configmaps" => [name, ((item["data"] as JsonObject)?.Count ?? 0) + ((item["binaryData"] as JsonObject)?.Count ?? 0), age],
            "/namespaces" => [name, ObjectFields.StringAt(item["status"], "phase") ?? "", age],
            "/nodes" =>
            [
                name,
                (item["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Any(c => ObjectFields.StringAt(c, "type") == "Ready" && ObjectFields.StringAt(c, "status") == "True") ? "Ready" : "NotReady",
                "<none>",
                age,
                ObjectFields.StringAt(item["status"]?["nodeInfo"], "kubeletVersion") ?? "",
            ],
            "/serviceaccounts" => [name, (item["secrets"] as JsonArray)?.Count ?? 0, age],
            "/events" => EventCells(item),
            "coordination.k8s.io/leases" => [name, ObjectFields.StringAt(item["spec"], "holderIdentity") ?? "", age],
            "admissionregistration.k8s.io/mutatingwebhookconfigurations" or "admissionregistration.k8s.io/validatingwebhookconfigurations" =>
                [name, (item["webhooks"] as JsonArray)?.Count ?? 0, age],
            _ => [name, ObjectFields.StringAt(item["metadata"], "creationTimestamp")],
        };
    }

    /// <summary>The READY and STATUS logic of kubectl's pod printer (printPod), including init containers and native sidecars.</summary>
    private List<JsonNode?> PodCells(JsonObject pod, string name, string age)
    {
        var status = pod["status"] as JsonObject;
        var spec = pod["spec"];
        var initSpecs = (spec?["initContainers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var sidecars = initSpecs.Where(c => ObjectFields.StringAt(c, "restartPolicy") == "Always").Select(c => ObjectFields.StringAt(c, "name")).ToHashSet(StringComparer.Ordinal);
        var total = (spec?["containers"] as JsonArray ?? []).Count + sidecars.Count;
        var reason = ObjectFields.StringAt(status, "reason") ?? ObjectFields.StringAt(status, "phase") ?? "Pending";
        var ready = 0;
        long restarts = 0;

        var initializing = false;
        var initStatuses = (status?["initContainerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            restarts += container["restartCount"]?.GetValue<long>() ?? 0;
            var terminated = container["state"]?["terminated"] as JsonObject;
            var waitingReason = ObjectFields.StringAt(container["state"]?["waiting"], "reason");
            if (terminated is not null && terminated["exitCode"]?.GetValue<int>() == 0)
            {
                continue;
            }

            if (sidecars.Contains(ObjectFields.StringAt(container, "name")) && container["started"]?.GetValue<bool>() == true)
            {
                ready += container["ready"]?.GetValue<bool>() == true ? 1 : 0;
                continue;
            }

            reason = terminated is not null
                ? "Init:" + (ObjectFields.StringAt(terminated, "reason") ?? string.Create(CultureInfo.InvariantCulture, $"ExitCode:{terminated["exitCode"]?.GetValue<int>() ?? 0}"))
                : waitingReason is { Length: > 0 } and not "PodInitializing"
                    ? "Init:" + waitingReason
                    : string.Create(CultureInfo.InvariantCulture, $"Init:{i}/{initSpecs.Count}");
            initializing = true;
            break;
        }

        var initializedCondition = (status?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Any(c => ObjectFields.StringAt(c, "type") == "Initialized" && ObjectFields.StringAt(c, "status") == "True");
        if (!initializing || initializedCondition)
        {
            var hasRunning = false;
            var statuses = (status?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += container["restartCount"]?.GetValue<long>() ?? 0;
                var state = container["state"];
                if (ObjectFields.StringAt(state?["waiting"], "reason") is { Length: > 0 } waiting)
                {
                    reason = waiting;
                }
                else if (state?["terminated"] is JsonObject terminated)
                {
                    reason = ObjectFields.StringAt(terminated, "reason") ?? string.Create(CultureInfo.InvariantCulture, $"ExitCode:{terminated["exitCode"]?.GetValue<int>() ?? 0}");
                }
                else if (container["ready"]?.GetValue<bool>() == true && state?["running"] is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            if (reason == "Completed" && hasRunning)
            {
                reason = "Running";
            }
        }

        if (ObjectFields.IsBeingDeleted(pod))
        {
            reason = "Terminating";
        }

        return
        [
            name,
            string.Create(CultureInfo.InvariantCulture, $"{ready}/{total}"),
            reason,
            restarts.ToString(CultureInfo.InvariantCulture),
            age,
            ObjectFields.StringAt(status, "podIP") ?? "<none>",
            ObjectFields.StringAt(pod["spec"], "nodeName") ?? "<none>",
            ObjectFields.StringAt(status, "nominatedNodeName") ?? "<none>",
            "<none>",
        ];
    }

    private List<JsonNode?> EventCells(JsonObject e)
    {
        var last = ObjectFields.ParseTimestamp(ObjectFields.StringAt(e, "lastTimestamp") ?? ObjectFields.StringAt(e, "eventTime") ?? ObjectFields.StringAt(e["metadata"], "creationTimestamp"));
        var involved = e["involvedObject"];
        return
        [
            last is { } t ? Age(t) : "<unknown>",
            ObjectFields.StringAt(e, "type") ?? "",
            ObjectFields.StringAt(e, "reason") ?? "",
            $"{(ObjectFields.StringAt(involved, "kind") ?? "").ToLowerInvariant()}/{ObjectFields.StringAt(involved, "name")}",
            ObjectFields.StringAt(e, "message") ?? "",
        ];
    }

    private string Age(DateTimeOffset since) => HumanDuration.Format(clock.GetUtcNow() - since);
}
