using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Http;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Semantics;
using ChunkGate.LocalCluster.Storage;

namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// The node: binds every new Pod to itself, runs it through a <see cref="PodWorker"/>, stops its
/// processes when the Pod is deleted (TERM, grace period, KILL) and then removes the object, and
/// serves <c>kubectl logs</c>. Each Pod gets its own loopback address (127.100.x.y) as its Pod IP.
/// </summary>
internal sealed class ProcessKubelet(ResourceService resources, ImageMap images, string root, TimeProvider clock, TextWriter log) : IPodLogSource
{
    public const string NodeName = "local-node";

    private static readonly RequestOptions Options = RequestOptions.System("kubelet");
    private readonly ConcurrentDictionary<string, PodWorker> workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> terminations = new(StringComparer.Ordinal);
    private int nextAddress;

    internal ImageMap Images => images;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        RegisterNode();
        var (subscription, backlog) = resources.Store.Watch(BuiltInResources.Pods.StorageKey, null, null);
        using (subscription)
        {
            foreach (var change in backlog)
            {
                await HandleAsync(change);
            }

            while (await subscription.Events.WaitToReadAsync(cancellationToken))
            {
                while (subscription.Events.TryRead(out var change))
                {
                    try
                    {
                        await HandleAsync(change);
                    }
                    catch (ApiError error)
                    {
                        await log.WriteLineAsync($"kubelet: {error.Message}");
                    }
                }
            }
        }
    }

    /// <summary>Stops every Pod's processes (cluster shutdown).</summary>
    public async Task StopAllAsync()
    {
        await Task.WhenAll(workers.Values.Select(worker => worker.TerminateAsync(TimeSpan.FromSeconds(2))));
        await Task.WhenAll(terminations.Values);
    }

    private async Task HandleAsync(StoredEvent change)
    {
        var pod = change.Object;
        var uid = ObjectFields.Uid(pod);
        if (change.Type == WatchEventType.Deleted)
        {
            if (workers.TryRemove(uid, out var gone))
            {
                // Removed without grace (force delete): the processes go now.
                await gone.TerminateAsync(TimeSpan.Zero);
            }

            return;
        }

        if (ObjectFields.IsBeingDeleted(pod))
        {
            if (!terminations.ContainsKey(uid))
            {
                var grace = TimeSpan.FromSeconds(pod["metadata"]?["deletionGracePeriodSeconds"] is { } g ? double.Parse(g.ToJsonString(), CultureInfo.InvariantCulture) : 30);
                terminations[uid] = Task.Run(() => TerminateAsync(pod, grace));
            }

            return;
        }

        if (workers.ContainsKey(uid) || ObjectFields.StringAt(pod["status"], "phase") is "Succeeded" or "Failed")
        {
            return;
        }

        if (string.IsNullOrEmpty(ObjectFields.StringAt(pod["spec"], "nodeName")))
        {
            await BindAsync(pod);
            return;
        }

        var address = Interlocked.Increment(ref nextAddress);
        var podIp = string.Create(CultureInfo.InvariantCulture, $"127.100.{address / 250 % 250}.{(address % 250) + 1}");
        var directory = Path.Combine(root, $"{ObjectFields.Namespace(pod)}_{ObjectFields.Name(pod)}_{uid}");
        var worker = new PodWorker(this, pod, directory, podIp, clock);
        if (workers.TryAdd(uid, worker))
        {
            await log.WriteLineAsync($"kubelet: starting pod {ObjectFields.Namespace(pod)}/{ObjectFields.Name(pod)} at {podIp}");
            worker.Start();
        }
    }

    /// <summary>The Node object a kubelet registers, so <c>kubectl get nodes</c> and Pod descriptions make sense.</summary>
    private void RegisterNode()
    {
        var now = ObjectFields.Timestamp(clock.GetUtcNow());
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = NodeName,
                ["uid"] = Guid.NewGuid().ToString(),
                ["creationTimestamp"] = now,
                ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = NodeName, ["kubernetes.io/os"] = "linux" },
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "process kubelet is posting ready status",
                    ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now,
                }),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" }, new JsonObject { ["type"] = "Hostname", ["address"] = NodeName }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.32.0-chunkgate-process-kubelet", ["operatingSystem"] = "linux", ["architecture"] = "amd64", ["containerRuntimeVersion"] = "process://local" },
            },
        };
        try
        {
            resources.Store.Create(BuiltInResources.Nodes, node);
        }
        catch (ApiError error) when (error.Code == 409)
        {
        }
    }

    private async Task BindAsync(JsonObject pod)
    {
        var patch = new JsonObject { ["spec"] = new JsonObject { ["nodeName"] = NodeName } };
        await resources.PatchAsync(BuiltInResources.Pods, ObjectFields.Namespace(pod), ObjectFields.Name(pod), "", "application/merge-patch+json", patch, false, Options, CancellationToken.None);
        Record(pod, "Normal", "Scheduled", $"Successfully assigned {ObjectFields.Namespace(pod)}/{ObjectFields.Name(pod)} to {NodeName}");
    }

    private async Task TerminateAsync(JsonObject pod, TimeSpan grace)
    {
        if (workers.TryRemove(ObjectFields.Uid(pod), out var worker))
        {
            await worker.TerminateAsync(grace);
        }

        try
        {
            if (resources.Store.Get(BuiltInResources.Pods, ObjectFields.Namespace(pod), ObjectFields.Name(pod)) is { } current && ObjectFields.Uid(current) == ObjectFields.Uid(pod))
            {
                resources.RemoveNow(BuiltInResources.Pods, current);
            }
        }
        catch (ApiError error) when (error.Code == 404)
        {
        }
    }

    internal async Task WriteStatusAsync(JsonObject pod, JsonObject status)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = resources.Store.Get(BuiltInResources.Pods, ObjectFields.Namespace(pod), ObjectFields.Name(pod));
            if (current is null || ObjectFields.Uid(current) != ObjectFields.Uid(pod))
            {
                return;
            }

            current["status"] = status.DeepClone();
            try
            {
                await resources.UpdateAsync(BuiltInResources.Pods, ObjectFields.Namespace(pod), ObjectFields.Name(pod), "status", current, Options, CancellationToken.None);
                return;
            }
            catch (ApiError error) when (error.Code == 409)
            {
            }
            catch (ApiError error) when (error.Code == 404)
            {
                return;
            }
        }
    }

    internal Func<string, JsonObject?> FindSecret(string ns) => name => resources.Store.Get(BuiltInResources.Secrets, ns, name);

    internal Func<string, JsonObject?> FindConfigMap(string ns) => name => resources.Store.Get(BuiltInResources.ConfigMaps, ns, name);

    internal Func<string, JsonObject?> FindClaim(string ns) => name => resources.Store.Get(BuiltInResources.PersistentVolumeClaims, ns, name);

    /// <summary>A claim's directory, beside the Pods' (not inside one), so what a Pod writes there outlives it.</summary>
    internal string ClaimDirectory(string ns, string claim) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root))!, "claims", ns, claim);

    /// <summary>Records a core/v1 Event about the Pod, as a kubelet does (what <c>kubectl describe pod</c> shows).</summary>
    internal void Record(JsonObject pod, string type, string reason, string message)
    {
        var now = ObjectFields.Timestamp(clock.GetUtcNow());
        var name = $"{ObjectFields.Name(pod)}.{Guid.NewGuid():N}"[..Math.Min(253, ObjectFields.Name(pod).Length + 17)];
        var eventObject = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ObjectFields.Namespace(pod), ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = now },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = "Pod",
                ["namespace"] = ObjectFields.Namespace(pod),
                ["name"] = ObjectFields.Name(pod),
                ["uid"] = ObjectFields.Uid(pod),
                ["apiVersion"] = "v1",
            },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = type,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = NodeName },
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
            ["reportingComponent"] = "kubelet",
            ["reportingInstance"] = NodeName,
        };
        try
        {
            resources.Store.Create(BuiltInResources.Events, eventObject);
        }
        catch (ApiError)
        {
            // Events are best effort, as in a real cluster.
        }
    }

    public async Task WriteLogAsync(JsonObject pod, string container, bool follow, long? tailLines, bool previous, Stream output, CancellationToken cancellationToken)
    {
        var worker = workers.Values.FirstOrDefault(w => w.Uid == ObjectFields.Uid(pod));
        var path = worker?.LogPath(container, previous) ?? Path.Combine(root, $"{ObjectFields.Namespace(pod)}_{ObjectFields.Name(pod)}_{ObjectFields.Uid(pod)}", previous ? $"{container}.previous.log" : $"{container}.log");
        if (!File.Exists(path))
        {
            var reason = previous
                ? $"previous terminated container \"{container}\" in pod \"{ObjectFields.Name(pod)}\" not found"
                : $"container \"{container}\" in pod \"{ObjectFields.Name(pod)}\" is waiting to start: {WaitingReason(pod, container)}";
            throw ApiError.BadRequest(reason);
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (tailLines is { } tail)
        {
            var lines = (await File.ReadAllLinesAsync(path, cancellationToken)).TakeLast((int)Math.Min(tail, int.MaxValue));
            var text = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
            await output.WriteAsync(text, cancellationToken);
            file.Seek(0, SeekOrigin.End);
        }
        else
        {
            await file.CopyToAsync(output, cancellationToken);
        }

        await output.FlushAsync(cancellationToken);
        if (!follow || previous)
        {
            return;
        }

        var buffer = new byte[16 * 1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            var read = await file.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await output.FlushAsync(cancellationToken);
                continue;
            }

            if (worker is null || !worker.IsContainerRunning(container))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
        }
    }

    private static string WaitingReason(JsonObject pod, string container) =>
        (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>()
        .Where(s => ObjectFields.StringAt(s, "name") == container)
        .Select(s => ObjectFields.StringAt(s["state"]?["waiting"], "reason"))
        .FirstOrDefault() ?? "ContainerCreating";
}
